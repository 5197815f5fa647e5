package redisstore

import (
	"testing"

	"github.com/hospitalrtls/rtls/internal/redistest"
	"github.com/hospitalrtls/rtls/store"
	"github.com/hospitalrtls/rtls/store/storetest"
)

func TestAuditContract(t *testing.T) {
	url := redistest.StartServer(t).URL()
	storetest.RunAudit(t, func(t *testing.T) store.AuditLog {
		return open(t, Options{URL: url, Site: nextSite()})
	})
}
