// Package upgrade plans, and applies, the smallest change that makes
// DotNext release V open a log with every committed entry, the term and the
// vote as its writer reads them: the answer to the upgrade gate (package
// gate, walctl verify --target-version V). Plan and Apply compose the
// operations of packages repair (repair, patch, WAL repair) and convert
// (conversions in place, to and from a WriteAheadLog) through their APIs;
// they write nothing themselves, and each operation keeps its own backup,
// journal, audit and atomic replacement (package txn).
package upgrade
