package partition

import "testing"

// TestKeep: a kept slice comes back empty, cleared and large enough; no
// more than keepCount are kept, and none larger than keepBytes.
func TestKeep(t *testing.T) {
	var k Keep[*int]
	one := 1
	s := k.Get(10)
	if len(s) != 0 || cap(s) < 10 {
		t.Fatalf("Get(10): len %d cap %d", len(s), cap(s))
	}
	s = append(s, &one, &one)
	k.Put(s)
	got := k.Get(5)
	if &got[:1][0] != &s[:1][0] {
		t.Error("a kept slice large enough was not handed back")
	}
	if got[:2][0] != nil || got[:2][1] != nil {
		t.Error("a kept slice still holds its pointers")
	}
	if big := k.Get(100); cap(big) < 100 {
		t.Errorf("Get(100) from a keep of smaller slices: cap %d", cap(big))
	}
	for range keepCount + 2 {
		k.Put(make([]*int, 0, 8))
	}
	if len(k.free) != keepCount {
		t.Errorf("%d slices kept, bound %d", len(k.free), keepCount)
	}
	var kb Keep[byte]
	kb.Put(make([]byte, 0, keepBytes+1))
	if len(kb.free) != 0 {
		t.Error("a slice over keepBytes was kept")
	}
}
