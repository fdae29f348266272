package ui

// secondMsg redraws the ages and countdowns once a second.
type secondMsg struct{}
