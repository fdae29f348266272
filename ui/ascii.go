package ui

import "strings"

// Without a UTF-8 locale a terminal (or tmux) shows every symbol the
// console draws as _ or ?: the frame is then drawn with ASCII, one
// character for one, so every width stays what it was.
var asciiFrame = strings.NewReplacer(
	"·", "-", "●", "*", "○", "o", "◌", "o", "‖", "=", "▶", ">", "▸", ">", "▲", "^", "▼", "v",
	"│", "|", "─", "-", "╭", "+", "╮", "+", "╰", "+", "╯", "+", "┌", "+", "┐", "+", "└", "+", "┘", "+",
	"…", "~", "→", ">", "←", "<", "↑", "^", "↓", "v", "›", ">", "•", "*", "×", "x", "–", "-", "°", "o",
	"▕", "[", "▏", "]", "█", "#", "▉", "#", "▊", "#", "▋", "#", "▌", "#", "▍", "=", "▎", "-", "░", ".",
	"▁", "_", "▂", ".", "▃", "-", "▄", "=", "▅", "+", "▆", "*", "▇", "#", "⚿", "k", "◆", "d",
)

// UTF8Locale reports whether the locale the environment names is UTF-8:
// LC_ALL, else LC_CTYPE, else LANG, as the C library reads them. No
// locale at all is the C locale: ASCII.
func UTF8Locale(getenv func(string) string) bool {
	for _, v := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if s := getenv(v); s != "" {
			s = strings.ToLower(s)
			return strings.Contains(s, "utf-8") || strings.Contains(s, "utf8")
		}
	}
	return false
}
