package live

import (
	"fmt"
	"testing"
)

// What presence costs a console: Show after every message, most of which
// change nothing; and a quota meter's Team at 50 views (the server's cap
// on sessions).
func BenchmarkShowUnchanged(b *testing.B) {
	r := newRig(&testing.T{}, 1, nil)
	defer r.srv.Close()
	defer r.e.Close()
	v := r.e.SubscribeWith(ViewOptions{Name: "alice"})
	for range 49 {
		r.e.Subscribe()
	}
	v.Show("JDA54E19F", "readings")
	b.ReportAllocs()
	for b.Loop() {
		v.Show("JDA54E19F", "readings")
	}
}

func BenchmarkShowChangedAmong50(b *testing.B) {
	r := newRig(&testing.T{}, 1, nil)
	defer r.srv.Close()
	defer r.e.Close()
	v := r.e.SubscribeWith(ViewOptions{Name: "alice"})
	for range 49 {
		r.e.Subscribe()
	}
	devs := [2]string{"JDA54E19F", "HE8EV12LF"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		v.Show(devs[i%2], "readings")
	}
}

func BenchmarkTeamOf50(b *testing.B) {
	r := newRig(&testing.T{}, 1, nil)
	defer r.srv.Close()
	defer r.e.Close()
	for i := range 50 {
		r.e.SubscribeWith(ViewOptions{Name: fmt.Sprint("engineer", i)}).Show("JDA54E19F", "config")
	}
	b.ReportAllocs()
	for b.Loop() {
		if len(r.e.Team()) != 50 {
			b.Fatal("team")
		}
	}
}
