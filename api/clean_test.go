package api_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"sqc/api"
	"sqc/api/sim"
)

func TestCleanRemovesEveryEscapeWhole(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain name", "plain name"},
		{"a\x1b]52;c;c3Fj\x07b", "ab"},                           // OSC 52, BEL-terminated
		{"a\x1b]0;title\x1b\\b", "ab"},                           // OSC 0, ST-terminated
		{"a\x1b[2Jb", "ab"},                                      // CSI
		{"a\x1b[1;31mred\x1b[0m", "ared"},                        // SGR
		{"a\x1bP+q544e\x1b\\b", "ab"},                            // DCS
		{"a\x1b]8;;https://x/\x1b\\link\x1b]8;;\x1b\\", "alink"}, // OSC 8
		{"a\u009b31mb", "ab"},                                    // C1 CSI
		{"a\u009d0;t\u009cb", "ab"},                              // C1 OSC with C1 ST
		{"a\u0090q\u009cb", "ab"},                                // C1 DCS
		{"a\u009f x\x07b", "ab"},                                 // C1 APC, BEL
		{"a\x1bX sos \x1b\\b\x1b^pm\x1b\\c\x1b_apc\x1b\\d", "abcd"},
		{"a\x1bcb\x1b(Bc", "abc"},                    // RIS, charset
		{"a\x1b]0;never ends", "a"},                  // unterminated OSC swallows the rest
		{"a\x1b]0;x\x1b[2Jb", "ab"},                  // ESC inside OSC starts anew
		{"tab\there\r\nline\nx", "tab here  line x"}, // tab, CR, LF become spaces
		{"bell\x07del\x7fnul\x00c1\u0085", "belldelnulc1"},
		{"\u202eevil\u202c \u2066x\u2069", "evil x"},   // bidi overrides
		{"bad\xffutf8\x9b2J", "bad\ufffdutf8\ufffd2J"}, // invalid UTF-8, lone 0x9B
		{"°C 名前 é", "°C 名前 é"},
		{"trailing esc\x1b", "trailing esc"},
		{"csi cut \x1b[12\x00x", "csi cut x"},
	} {
		if got := api.Clean(tc.in); got != tc.want {
			t.Errorf("Clean(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCleanTextKeepsLines(t *testing.T) {
	if got, want := api.CleanText("one\r\ntwo\nthree\rfour\x1b[2J\tfive"), "one\ntwo\nthree four five"; got != want {
		t.Fatalf("CleanText = %q, want %q", got, want)
	}
}

func TestCSVCellDefusesFormulas(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1": "'=1+1", "+A1": "'+A1", "-2": "'-2", "@SUM(A1)": "'@SUM(A1)",
		"\t=x": "' =x", "\r=x": "' =x", "Pump 3": "Pump 3", "a=b": "a=b", "=\x1b[2J": "'=",
	} {
		if got := api.CSVCell(in); got != want {
			t.Errorf("CSVCell(%q) = %q, want %q", in, got, want)
		}
	}
}

// The common case, a name of printable ASCII, costs no allocation.
func TestCleanPrintableASCIIDoesNotAllocate(t *testing.T) {
	s := strings.Repeat("Pump 3 North ", 20)
	if n := testing.AllocsPerRun(100, func() { _ = api.Clean(s) }); n != 0 {
		t.Fatalf("Clean of printable ASCII allocates %v times", n)
	}
}

func TestTruncateCountsCellsAndStopsEarly(t *testing.T) {
	for _, tc := range []struct {
		in    string
		cells int
		want  string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"eleven char", 10, "eleven ch…"},
		{"名前名前名前", 5, "名前…"}, // wide characters: 2 cells each
		{"名前名前名前", 12, "名前名前名前"},
		{"é é é é é é", 6, "é é é…"},
		{"anything", 0, ""},
	} {
		got := api.Truncate(tc.in, tc.cells, "…")
		if got != tc.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tc.in, tc.cells, got, tc.want)
		}
	}
	if got := api.Truncate("abcdef", 4, "..."); got != "a..." {
		t.Errorf("ASCII tail: %q", got)
	}
}

// The hostile payload leaves nothing a terminal would act on.
func TestCleanOfEvilIsInert(t *testing.T) {
	out := api.Clean(sim.Evil + "\x9b2J")
	assertInert(t, "Clean(Evil)", out)
	if strings.Contains(out, "pwned") || strings.Contains(out, "evil.example") {
		t.Fatalf("sequence bodies survived: %q", out)
	}
}

// assertInert fails when s holds an ESC, a C1 control, another control
// character, a bidi override or invalid UTF-8.
func assertInert(t *testing.T, what, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("%s: invalid UTF-8 in %q", what, s)
	}
	for _, r := range s {
		if r < 0x20 || (r >= 0x7F && r < 0xA0) || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) {
			t.Fatalf("%s: %U left in %q", what, r, s)
		}
	}
}

// Clean's output is inert and cleaning it again changes nothing.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "plain", sim.Evil, "\x1b[", "\x1b]", "\u009b", "\xc2", "a\r\nb", "\u202e", strings.Repeat("名", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := api.Clean(s)
		assertInert(t, "Clean", out)
		if again := api.Clean(out); again != out {
			t.Fatalf("Clean is not idempotent: %q → %q → %q", s, out, again)
		}
		text := api.CleanText(s)
		assertInert(t, "CleanText", strings.ReplaceAll(text, "\n", " "))
		if cut := api.Truncate(out, 7, "…"); !utf8.ValidString(cut) || len(cut) > len(out)+len("…") {
			t.Fatalf("Truncate(%q) = %q", out, cut)
		}
	})
}

// SafeJSON keeps the value and leaves no byte a terminal acts on.
func FuzzSafeJSON(f *testing.F) {
	f.Add([]byte(`{"a":"` + "\u009b2J\u202e\x7f" + `","b":[1,2.50,"\u001b"]}`))
	f.Add([]byte("{\"a\":\"\xff\x9b\"}"))
	f.Add([]byte(`"plain"`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) {
			return
		}
		out := api.SafeJSON(b)
		// A 0x9B byte may remain inside a character such as ś (C5 9B); a
		// C1 control as a character may not.
		assertInert(t, "SafeJSON", strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(string(out)))
		want, got := decodeForCompare(t, b), decodeForCompare(t, out)
		if want != got {
			t.Fatalf("value changed:\n%s\n%s", want, got)
		}
	})
}

func decodeForCompare(t *testing.T, b []byte) string {
	v, err := decodeNumbers(b)
	if err != nil {
		t.Fatalf("%q: %v", b, err)
	}
	out, _ := json.Marshal(v)
	return string(out)
}

func TestSafeJSONEscapesOnlyWhatItMust(t *testing.T) {
	in := []byte("{\n  \"name\": \"a\u009b2J\u202eb\x7f\xffc 名\",\n  \"n\": 1e400\n}")
	got := string(api.SafeJSON(in))
	want := "{\n  \"name\": \"a\\u009b2J\\u202eb\\u007f\\ufffdc 名\",\n  \"n\": 1e400\n}"
	if got != want {
		t.Fatalf("SafeJSON:\n%s\nwant\n%s", got, want)
	}
	plain := []byte(`{"a":"b"}`)
	if out := api.SafeJSON(plain); &out[0] != &plain[0] {
		t.Error("a document with nothing to escape was copied")
	}
}

func BenchmarkCleanASCII(b *testing.B) {
	s := strings.Repeat("Stbd engine 4 ", 4)
	b.ReportAllocs()
	for b.Loop() {
		_ = api.Clean(s)
	}
}

func BenchmarkCleanEvil50KB(b *testing.B) {
	s := strings.Repeat("value "+sim.Evil+" 名前 ", 50<<10/80)
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		_ = api.Clean(s)
	}
}

// Cutting a 49 MB name to a column costs what cutting a short one does.
func BenchmarkTruncate49MB(b *testing.B) {
	s := strings.Repeat("huge name 名前 ", 49<<20/20)
	b.ReportAllocs()
	for b.Loop() {
		_ = api.Truncate(s, 40, "…")
	}
}

// CleanCut keeps at most n runes, "…" among them when anything was cut,
// and reads only a bounded prefix of a long string.
func TestCleanCut(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"eleven char", 10, "eleven ch…"},
		{"名前名前名前", 4, "名前名…"},
		{"a\x1b[2Jb", 5, "ab"},
		{strings.Repeat("x", 1<<20), 8, "xxxxxxx…"},
		{strings.Repeat("\x1b[2J", 1<<16) + "tail", 8, "…"},
	} {
		if got := api.CleanCut(tc.in, tc.n); got != tc.want {
			t.Errorf("CleanCut(%.20q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}
