package state

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

const draftChild = "SQC_TEST_DRAFT_CHILD" // the state folder the child saves drafts in

// TestDraftChild stages change after change, saving the draft after each
// and saying so, one at each line its input gives, until it is killed: it runs only when
// TestDraftSurvivesAKill starts the test binary as its child.
func TestDraftChild(t *testing.T) {
	dir := os.Getenv(draftChild)
	if dir == "" {
		t.Skip("the process TestDraftSurvivesAKill kills")
	}
	db, err := OpenDB(dir, "acme", "fp", time.Now(), nil)
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	var changes []Change
	in := bufio.NewScanner(os.Stdin)
	for k := 1; in.Scan(); k++ { // one save per go-ahead

		changes = append(changes, Change{Key: "key" + strconv.Itoa(k), New: strconv.Itoa(k)})
		if err := SaveDraft(db, "fp", Draft{DeviceID: "DEV1", SavedAt: time.Now(), Changes: changes}); err != nil {
			fmt.Println("save:", err)
			os.Exit(1)
		}
		fmt.Printf("saved %d\n", k) // what the console shows as "kept as a draft"
	}
	os.Exit(0)
}

// A draft said to be saved is there after the process is killed
// (SIGKILL) at a random moment (mostly while it saves the next), whole.
func TestDraftSurvivesAKill(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed>>3))
	for range 5 {
		dir := t.TempDir()
		after := 1 + rng.IntN(40)
		wait := time.Duration(rng.IntN(3000)) * time.Microsecond
		cmd := exec.Command(os.Args[0], "-test.run=^TestDraftChild$")
		cmd.Env = append(os.Environ(), draftChild+"="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		goAhead, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		said := 0
		goAhead.Write([]byte("\n"))
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			n, ok := strings.CutPrefix(line, "saved ")
			if !ok {
				t.Fatalf("the child: %s", line)
			}
			goAhead.Write([]byte("\n"))
			if said, _ = strconv.Atoi(n); said == after {
				time.Sleep(wait) // where the kill lands in the next save, not how long anything takes
				_ = cmd.Process.Kill()
				break
			}
		}
		_ = cmd.Wait()
		if said != after {
			t.Fatalf("the child said %d saves, then stopped", said)
		}
		db, err := OpenDB(dir, "acme", "fp", time.Now(), nil)
		if err != nil {
			t.Fatal(err)
		}
		d, ok, err := LoadDraft(db, "fp", "DEV1")
		db.Close()
		// the child may have saved one more before the kill landed
		if err != nil || !ok || len(d.Changes) < said || len(d.Changes) > said+1 {
			t.Fatalf("after a kill %d saves in: the draft has %d changes (%v, %v)", said, len(d.Changes), ok, err)
		}
		for k, c := range d.Changes {
			if c.Key != "key"+strconv.Itoa(k+1) {
				t.Fatalf("change %d of the draft is %s", k, c.Key)
			}
		}
	}
}
