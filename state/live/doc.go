// Package live runs the live fleet once for every view that watches it:
// one Engine per profile and key owns the client, the scheduler, the
// fleet, the quota ledger, the offline cache and the write gate, and runs
// its own loop on its own goroutine. Views (a console, a second console,
// a script) subscribe and talk to it only through their View:
//
//	            ┌──────────────────────── Engine ────────────────────────┐
//	 SetFocus ─▶│ scheduler (focus and rows of every view, merged)       │
//	SetVisible─▶│    │ due reads, ≤ MaxInFlight, one timer, ≥ 1/s        │
//	  ReadNow ─▶│    ▼                                                   │
//	            │ read goroutines ──▶ api.Client ──▶ server              │
//	            │    │ answers, by request id                            │
//	            │    ▼                                                   │
//	            │ fold into the fleet (RWMutex) ── ledger, cache: saved  │
//	   Submit ─▶│ write gate (one send per write, however many ask)      │
//	            └───┬──────────────────────┬─────────────────────────────┘
//	                │ coalesced changes    │ (cap-1 signal + pending set)
//	                ▼                      ▼
//	             View A                 View B ── Read(func(Reader)) to draw
//
// The engine never waits for a view: each view has a pending set of what
// changed (devices, the list, the connection, write outcomes) and a
// signal channel of capacity one. A view that reads slowly sees fewer,
// larger batches; one that never reads costs the engine nothing but its
// pending set.
package live
