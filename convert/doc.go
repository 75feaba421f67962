// Package convert rewrites a log in another format or geometry, keeping
// every entry, the term, the vote and the commit index: between the
// PersistentState formats (Plan, Apply: into a new directory or in place,
// partitions renumbered for a new R), from any log to a WriteAheadLog
// (PlanToWAL) and from a WriteAheadLog to a PersistentState log
// (PlanFromWAL). The vote is stored in the layout of the releases that will
// open the output. A log with damaged entries is refused (InputError: run
// walctl repair first). Every conversion writes through package txn, and its
// Auditor verifies the output (package verify) and compares every entry
// with the input (Compare*) before anything is published. It never prints.
package convert
