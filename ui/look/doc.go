// Package look holds what the console's panes draw and read keys with,
// and nothing of the panes or the console themselves: the styles and the
// keymap (Common), footer hints and help groups, the text and width
// helpers every server string passes through, the sparkline, the form and
// its fields, the question and choice dialogs, the scroller, the export
// rules and the messages any pane may send (Say, CloseMsg).
//
// It sits under the panes (ui/pane) and the root console (ui): both import
// it, and it imports neither.
package look
