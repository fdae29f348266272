package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// Entries are kept once, newest first; an acknowledgement survives a
// reopen and keeps who acknowledged first; pruning bounds the table.
func TestInboxKeptAckedAndPruned(t *testing.T) {
	s, path := openTemp(t)
	ctx := context.Background()
	var es []InboxEntry
	for i := range 10 {
		es = append(es, InboxEntry{Device: fmt.Sprintf("D%d", i), At: t0.Add(time.Duration(i) * time.Minute), To: 3, From: 1, Name: "n", Text: "hot"})
	}
	if err := s.AddInbox(ctx, es); err != nil {
		t.Fatal(err)
	}
	if err := s.AddInbox(ctx, es[:3]); err != nil {
		t.Fatal(err)
	}
	k := InboxKey{Device: "D9", At: es[9].At, To: 3}
	if err := s.AckInbox(ctx, []InboxKey{k}, "ana", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.AckInbox(ctx, []InboxKey{k}, "bo", t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, _, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	got, err := s2.InboxEntries(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 10 || got[0].Device != "D9" || got[0].AckBy != "ana" || !got[0].AckAt.Equal(t0.Add(time.Hour)) || !got[1].AckAt.IsZero() {
		t.Fatalf("%d entries, newest %+v", len(got), got[0])
	}
	n, err := s2.PruneInbox(ctx, t0.Add(2*time.Minute), 5)
	if err != nil || n != 5 {
		t.Fatalf("pruned %d: %v", n, err)
	}
	got, _ = s2.InboxEntries(ctx, 100)
	if len(got) != 5 || got[4].Device != "D5" {
		t.Fatalf("after pruning: %d, oldest %+v", len(got), got[len(got)-1])
	}
}
