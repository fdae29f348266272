package api

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
	"unsafe"
)

// A small validating JSON scanner. Data messages are decoded field by field
// with it so that every key keeps its place and its exact bytes, and so that
// a thousand messages decode in a few milliseconds: encoding/json validates
// a whole body before it starts and then scans it again per value.

const maxDepth = 512

type scanError struct {
	off int
	msg string
}

func (e *scanError) Error() string { return fmt.Sprintf("invalid JSON at byte %d: %s", e.off, e.msg) }

func errAt(off int, format string, a ...any) error {
	return &scanError{off: off, msg: fmt.Sprintf(format, a...)}
}

func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// scanValue checks the value starting at b[i] and returns the index just past it.
func scanValue(b []byte, i, depth int) (int, error) {
	if i >= len(b) {
		return i, errAt(i, "unexpected end of input")
	}
	switch c := b[i]; {
	case c == '{':
		return scanObject(b, i, depth+1, nil)
	case c == '[':
		return scanArray(b, i, depth+1, nil)
	case c == '"':
		end, _, err := scanString(b, i)
		return end, err
	case c == '-' || (c >= '0' && c <= '9'):
		return scanNumber(b, i)
	case c == 't':
		return scanLiteral(b, i, "true")
	case c == 'f':
		return scanLiteral(b, i, "false")
	case c == 'n':
		return scanLiteral(b, i, "null")
	default:
		return i, errAt(i, "unexpected character %q", c)
	}
}

func scanLiteral(b []byte, i int, lit string) (int, error) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return i, errAt(i, "expected %s", lit)
	}
	return i + len(lit), nil
}

func scanNumber(b []byte, i int) (int, error) {
	start := i
	if b[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(b) && b[i] == '0' {
		i++
	} else if digits() == 0 {
		return i, errAt(start, "malformed number")
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return i, errAt(start, "malformed number")
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return i, errAt(start, "malformed number")
		}
	}
	return i, nil
}

// plain marks the bytes a string may hold without a closer look.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// scanString returns the index past the closing quote and whether the string
// needs full unquoting (escapes or bytes that are not ASCII).
func scanString(b []byte, i int) (int, bool, error) {
	start := i
	i++
	slow := false
	for i < len(b) {
		for i < len(b) && plain[b[i]] {
			i++
		}
		if i >= len(b) {
			break
		}
		c := b[i]
		switch {
		case c == '"':
			return i + 1, slow, nil
		case c == '\\':
			slow = true
			if i+1 >= len(b) {
				return i, slow, errAt(start, "unterminated string")
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) {
					return i, slow, errAt(i, "short \\u escape")
				}
				for _, h := range b[i+2 : i+6] {
					if !isHex(h) {
						return i, slow, errAt(i, "bad \\u escape")
					}
				}
				i += 6
			default:
				return i, slow, errAt(i, "bad escape")
			}
		case c < 0x20:
			return i, slow, errAt(i, "control character in string")
		default: // not ASCII: kept as is, unquoted the slow way
			slow = true
			i++
		}
	}
	return i, slow, errAt(start, "unterminated string")
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// memberFunc consumes the value of one object member, which starts at
// b[i] (always within b), and returns the index just past it. key is raw
// (quotes included).
type memberFunc func(key []byte, keySlow bool, b []byte, i, depth int) (int, error)

// elemFunc consumes one array element starting at b[i] (always within b).
type elemFunc func(b []byte, i, depth int) (int, error)

func scanObject(b []byte, i, depth int, fn memberFunc) (int, error) {
	if depth > maxDepth {
		return i, errAt(i, "nesting too deep")
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return i, errAt(i, "expected object key")
		}
		ks := i
		ke, kslow, err := scanString(b, i)
		if err != nil {
			return ke, err
		}
		i = skipWS(b, ke)
		if i >= len(b) || b[i] != ':' {
			return i, errAt(i, "expected ':' after object key")
		}
		i = skipWS(b, i+1)
		if i >= len(b) {
			return i, errAt(i, "unexpected end of input")
		}
		if fn != nil {
			i, err = fn(b[ks:ke], kslow, b, i, depth)
		} else {
			i, err = scanValue(b, i, depth)
		}
		if err != nil {
			return i, err
		}
		i = skipWS(b, i)
		if i >= len(b) {
			return i, errAt(i, "unterminated object")
		}
		switch b[i] {
		case ',':
			i = skipWS(b, i+1)
		case '}':
			return i + 1, nil
		default:
			return i, errAt(i, "expected ',' or '}' in object")
		}
	}
}

func scanArray(b []byte, i, depth int, fn elemFunc) (int, error) {
	if depth > maxDepth {
		return i, errAt(i, "nesting too deep")
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == ']' {
		return i + 1, nil
	}
	for {
		var err error
		if i >= len(b) {
			return i, errAt(i, "unexpected end of input")
		}
		if fn != nil {
			i, err = fn(b, i, depth)
		} else {
			i, err = scanValue(b, i, depth)
		}
		if err != nil {
			return i, err
		}
		i = skipWS(b, i)
		if i >= len(b) {
			return i, errAt(i, "unterminated array")
		}
		switch b[i] {
		case ',':
			i = skipWS(b, i+1)
		case ']':
			return i + 1, nil
		default:
			return i, errAt(i, "expected ',' or ']' in array")
		}
	}
}

// fieldFunc receives one member of an object with its raw value.
type fieldFunc func(key []byte, keySlow bool, val []byte) error

// rawMembers adapts a fieldFunc: the value is scanned, then handed over whole.
func rawMembers(fn fieldFunc) memberFunc {
	return func(key []byte, slow bool, b []byte, i, depth int) (int, error) {
		end, err := scanValue(b, i, depth)
		if err != nil {
			return end, err
		}
		return end, fn(key, slow, b[i:end])
	}
}

// whole checks that a document is one value of the wanted kind, scanned by
// scan, with nothing after it.
func whole(b []byte, open byte, what string, scan func(i int) (int, error)) error {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != open {
		return errAt(i, "expected a JSON %s", what)
	}
	end, err := scan(i)
	if err != nil {
		return err
	}
	if j := skipWS(b, end); j != len(b) {
		return errAt(j, "trailing data after %s", what)
	}
	return nil
}

// eachField walks a whole document that must be one object.
func eachField(b []byte, fn fieldFunc) error {
	return whole(b, '{', "object", func(i int) (int, error) { return scanObject(b, i, 1, rawMembers(fn)) })
}

// unquote turns a raw JSON string (quotes included) into a Go string.
func unquote(raw []byte, slow bool) (string, error) {
	if !slow {
		return string(raw[1 : len(raw)-1]), nil
	}
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
}

// parseView lets strconv read bytes without copying them into a string.
// Only for parsing: the bytes are never changed while the view is in use,
// and the view is not kept.
func parseView(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// interner shares the key strings of many messages: a page of a thousand
// messages repeats the same few dozen keys, which are unquoted and cleaned
// once.
type interner map[string]internedKey

const maxInternedKey = 128

// internedKey is a key cleaned for display, and the server's key when
// cleaning changed it.
type internedKey struct{ clean, raw string }

func (in interner) key(raw []byte, slow bool) (internedKey, error) {
	if !slow {
		if k, ok := in[parseView(raw[1:len(raw)-1])]; ok {
			return k, nil
		}
	}
	s, err := unquote(raw, slow)
	if err != nil {
		return internedKey{}, err
	}
	k := internedKey{clean: Clean(s)}
	if k.clean != s {
		k.raw = s
	}
	// A decoder outlives its body (decoders are pooled): only keys of
	// a sensible length are kept.
	if len(in) < 4096 && len(s) <= maxInternedKey {
		in[s] = k
	}
	return k, nil
}

// unquoteValue turns a raw JSON string value into a Go string, taking the
// fast path when it holds no escapes and only ASCII.
func unquoteValue(raw []byte) (string, error) {
	slow := false
	for _, c := range raw[1 : len(raw)-1] {
		if c == '\\' || c >= utf8.RuneSelf {
			slow = true
			break
		}
	}
	return unquote(raw, slow)
}

// isJSONString reports whether a raw value is a string.
func isJSONString(raw []byte) bool { return len(raw) > 0 && raw[0] == '"' }
