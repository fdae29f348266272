package look

// Common is what a widget draws and reads keys with: the styles and the
// keymap. The console's shared context carries it, and a widget is handed
// this part only (soft-serve's common.Common).
type Common struct {
	St   Styles
	Keys KeyMap
}
