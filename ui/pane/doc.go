// Package pane holds the console's panes: the device list, the readings,
// the config editor and its reads and writes, the bulk change and its
// sender, the MQTT set-up and its sender, the added device, the quota
// meter, the API call log and the help; and Shared, what every pane reads.
//
// A pane sees the console around it only through Console (say something,
// ask a question, log in again, issue the reads due, go back, show a pane)
// and gets the answers addressed to it, Msg{To: its ID}, in its Update. It
// cannot reach the root model (package ui): this package does not import
// it. Widgets and styles come from ui/look, below.
//
// Adding a pane is one file here and one line in the root:
//
//  1. A type that implements Pane (its own state, keys, view, footer
//     hints and help groups), with its constructor taking the *Shared and,
//     if it asks anything of the console, a Console. If it opens from the
//     device list by a key of its own, it also implements Opener: the key
//     (a key.Binding of its own, in the same file) and Show, which prepares
//     it for the device in focus.
//  2. If commands answer it, an ID of its own in the same file and the
//     answers wrapped as Msg{To: that ID, Msg: answer}.
//  3. In the root's New, one line: m.register(id, NewThePane(sh, con))
//     ("" as the id for a pane that gets no answers). The console then
//     sizes it, routes its answers, lists its help groups, offers its key
//     in the footer and opens it.
package pane
