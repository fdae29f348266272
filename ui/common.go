package ui

// common is what a widget draws and reads keys with: the styles and the
// keymap. The console's shared context carries it, and a widget is handed
// this part only (soft-serve's common.Common).
type common struct {
	st   styles
	keys keyMap
}
