package api_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"sqc/api"
)

// Decoders are kept from one body to the next: what a page decodes to is
// its own, whatever was decoded before or at the same time, and it stays
// so when the body it came from is overwritten.
func TestPagesDecodedOneAfterAnotherKeepOnlyTheirOwn(t *testing.T) {
	page := func(g, i int) string {
		return fmt.Sprintf(`{"deviceid":"D%d","data":[{"ts":1764000000,"k\u001b[2J%d":%d,"vin_%d":%d.5,"long_%s":"%d"}]}`,
			g, g, i, g, i, strings.Repeat("x", 200+g), i)
	}
	check := func(g, i int) error {
		body := []byte(page(g, i))
		p, err := api.DecodeDataPage(body)
		if err != nil {
			return err
		}
		clear(body) // the page must not share the body's bytes
		if p.DeviceID != fmt.Sprintf("D%d", g) || len(p.Data) != 1 {
			return fmt.Errorf("page %d/%d: %s with %d messages", g, i, p.DeviceID, len(p.Data))
		}
		var keys []string
		for _, f := range p.Data[0].Fields {
			keys = append(keys, f.Key+"="+string(f.Raw))
		}
		want := fmt.Sprintf("ts=1764000000 k%d=%d vin_%d=%d.5 long_%s=\"%d\"", g, i, g, i, strings.Repeat("x", 200+g), i)
		if got := strings.Join(keys, " "); got != want {
			return fmt.Errorf("page %d/%d fields:\n got %s\nwant %s", g, i, got, want)
		}
		out, err := p.MarshalJSON()
		if err != nil {
			return err
		}
		if !strings.Contains(string(out), fmt.Sprintf(`"k\u001b[2J%d":%d`, g, i)) {
			return fmt.Errorf("page %d/%d is not written back with the server's key: %s", g, i, out)
		}
		return nil
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for i := range 300 {
				if err := check(g, i); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
