// Package state holds what the console knows and plans: the fleet store,
// the refresh scheduler, the quota ledger, config drafts and the offline
// cache. It is pure Go with no Bubble Tea, so it can run on a fake clock.
package state
