package memstore

import (
	"testing"

	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/storetest"
)

func TestAuditContract(t *testing.T) {
	storetest.RunAudit(t, func(t *testing.T) store.AuditLog {
		s := New(Options{})
		t.Cleanup(func() { s.Close() })
		return s
	})
}
