package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/hospitalrtls/rtls/store"
)

// AuditOpener returns a new, empty audit log closed in t.Cleanup.
type AuditOpener func(t *testing.T) store.AuditLog

// RunAudit runs the audit log's contract: append order, paging by time,
// subject and tag, forged tokens, retention.
func RunAudit(t *testing.T, open AuditOpener) {
	t.Run("AuditPaging", func(t *testing.T) { testAuditPaging(t, open(t)) })
	t.Run("AuditTrim", func(t *testing.T) { testAuditTrim(t, open(t)) })
}

// auditFixture appends 30 records: subjects ada and nia in turn, one per
// second from ts 1,000,000; every third names tag P1, the others A1 or none.
func auditFixture(t *testing.T, log store.AuditLog) []store.AuditRecord {
	t.Helper()
	var recs []store.AuditRecord
	for i := range 30 {
		r := store.AuditRecord{TS: 1_000_000 + int64(i)*1000, Subject: []string{"ada", "nia"}[i%2], Role: "admin",
			Method: fmt.Sprintf("/m/%d", i), Outcome: "ok"}
		switch i % 3 {
		case 0:
			r.Tags = []string{"P1", "S1"}
		case 1:
			r.Tags = []string{"S2"}
		}
		id, err := log.AppendAudit(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) > 0 && compareIDs(id, recs[len(recs)-1].ID) <= 0 {
			t.Fatalf("id %s after %s", id, recs[len(recs)-1].ID)
		}
		r.ID = id
		recs = append(recs, r)
	}
	return recs
}

// listAll pages through q with pages of size n.
func listAll(t *testing.T, log store.AuditLog, q store.AuditQuery, n int) []store.AuditRecord {
	t.Helper()
	q.PageSize = n
	var out []store.AuditRecord
	for range 100 {
		page, err := log.ListAudit(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Records) > n {
			t.Fatalf("page of %d records, asked for %d", len(page.Records), n)
		}
		out = append(out, page.Records...)
		if page.NextPageToken == "" {
			return out
		}
		q.PageToken = page.NextPageToken
	}
	t.Fatal("more than 100 pages")
	return nil
}

func testAuditPaging(t *testing.T, log store.AuditLog) {
	all := auditFixture(t, log)
	methods := func(recs []store.AuditRecord) []string {
		var m []string
		for _, r := range recs {
			m = append(m, r.Method)
		}
		return m
	}
	for _, tc := range []struct {
		name string
		q    store.AuditQuery
	}{
		{"all", store.AuditQuery{}},
		{"subject", store.AuditQuery{Subject: "nia"}},
		{"tag", store.AuditQuery{Tag: "P1"}},
		{"time", store.AuditQuery{FromTS: 1_005_000, ToTS: 1_012_000}},
		{"all filters", store.AuditQuery{Subject: "ada", Tag: "S1", FromTS: 1_003_000, ToTS: 1_020_000}},
		{"none", store.AuditQuery{Subject: "eve"}},
	} {
		var want []store.AuditRecord
		for _, r := range all {
			if tc.q.Matches(r) {
				want = append(want, r)
			}
		}
		for _, n := range []int{1, 4, 1000} {
			t.Run(fmt.Sprintf("%s/page=%d", tc.name, n), func(t *testing.T) {
				got := listAll(t, log, tc.q, n)
				if !slices.Equal(methods(got), methods(want)) {
					t.Fatalf("got %v, want %v", methods(got), methods(want))
				}
				for i, r := range got {
					w := want[i]
					if r.ID != w.ID || r.TS != w.TS || r.Subject != w.Subject || r.Role != w.Role || r.Outcome != w.Outcome || !slices.Equal(r.Tags, w.Tags) {
						t.Fatalf("record %d: %+v, want %+v", i, r, w)
					}
				}
			})
		}
	}
	if _, err := log.ListAudit(context.Background(), store.AuditQuery{PageToken: "forged"}); !errors.Is(err, store.ErrBadToken) {
		t.Errorf("forged token: %v, want store.ErrBadToken", err)
	}
}

func testAuditTrim(t *testing.T, log store.AuditLog) {
	all := auditFixture(t, log)
	if err := log.TrimAudit(context.Background(), all[10].TS); err != nil {
		t.Fatal(err)
	}
	got := listAll(t, log, store.AuditQuery{}, 1000)
	if len(got) != 20 || got[0].ID != all[10].ID {
		t.Fatalf("after trim: %d records from %+v, want 20 from %s", len(got), got, all[10].ID)
	}
}
