package api

import (
	"encoding/base64"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	rtlsv1 "github.com/hospitalrtls/rtls/proto/rtls/v1"
	"github.com/hospitalrtls/rtls/store/cursor"
)

// parRule is a valid PAR rule: at least two infusion pumps in storage.
func parRule(id string) *rtlsv1.Rule {
	return &rtlsv1.Rule{
		Id: id, Name: "pumps in storage", EventType: rtlsv1.Rule_PAR,
		Target:   &rtlsv1.Rule_ZoneId{ZoneId: "L0-S00"},
		TagClass: rtlsv1.TagClass_ASSET, AssetType: "infusion_pump",
		Duration: durationpb.New(2 * time.Second), MinCount: 2, Enabled: true,
	}
}

func TestRuleLifecycle(t *testing.T) {
	env := startFenceEnv(t)
	ctx := testContext(t)
	want := parRule("pumps-par")
	got, err := env.fences.CreateRule(ctx, &rtlsv1.CreateRuleRequest{Rule: want})
	if err != nil || !proto.Equal(got, want) {
		t.Fatalf("CreateRule: got %v, %v; want %v", got, err, want)
	}
	if got, err := env.fences.GetRule(ctx, &rtlsv1.GetRuleRequest{Id: "pumps-par"}); err != nil || !proto.Equal(got, want) {
		t.Fatalf("GetRule: got %v, %v; want %v", got, err, want)
	}
	want.MinCount, want.Target = 3, &rtlsv1.Rule_Group{Group: &rtlsv1.ZoneGroup{Category: "storage"}}
	if got, err := env.fences.UpdateRule(ctx, &rtlsv1.UpdateRuleRequest{Rule: want}); err != nil || !proto.Equal(got, want) {
		t.Fatalf("UpdateRule: got %v, %v; want %v", got, err, want)
	}
	list, err := env.fences.ListRules(ctx, &rtlsv1.ListRulesRequest{})
	if err != nil || len(list.Rules) != 1 || !proto.Equal(list.Rules[0], want) || list.NextPageToken != "" {
		t.Fatalf("ListRules: got %v, %v; want only %v", list, err, want)
	}
	if _, err := env.fences.DeleteRule(ctx, &rtlsv1.DeleteRuleRequest{Id: "pumps-par"}); err != nil {
		t.Fatalf("DeleteRule: %v", err)
	}
	_, err = env.fences.GetRule(ctx, &rtlsv1.GetRuleRequest{Id: "pumps-par"})
	wantField(t, err, codes.NotFound, "id")
	_, err = env.fences.DeleteRule(ctx, &rtlsv1.DeleteRuleRequest{Id: "pumps-par"})
	wantField(t, err, codes.NotFound, "id")
	_, err = env.fences.UpdateRule(ctx, &rtlsv1.UpdateRuleRequest{Rule: want})
	wantField(t, err, codes.NotFound, "rule.id")
}

func TestCreateRuleIDs(t *testing.T) {
	env := startFenceEnv(t)
	ctx := testContext(t)
	generated := regexp.MustCompile(`^rule-[0-9a-f]{16}$`)
	seen := map[string]bool{}
	for range 3 {
		got, err := env.fences.CreateRule(ctx, &rtlsv1.CreateRuleRequest{Rule: parRule("")})
		if err != nil {
			t.Fatal(err)
		}
		if !generated.MatchString(got.Id) || seen[got.Id] {
			t.Fatalf("generated id %q: want a new id like rule-<16 hex>", got.Id)
		}
		seen[got.Id] = true
		if _, err := env.fences.GetRule(ctx, &rtlsv1.GetRuleRequest{Id: got.Id}); err != nil {
			t.Fatalf("GetRule(%q): %v", got.Id, err)
		}
	}
	if _, err := env.fences.CreateRule(ctx, &rtlsv1.CreateRuleRequest{Rule: parRule("mine")}); err != nil {
		t.Fatal(err)
	}
	again := parRule("mine")
	again.MinCount = 5
	_, err := env.fences.CreateRule(ctx, &rtlsv1.CreateRuleRequest{Rule: again})
	wantField(t, err, codes.AlreadyExists, "rule.id")
	if got, _ := env.fences.GetRule(ctx, &rtlsv1.GetRuleRequest{Id: "mine"}); got.GetMinCount() != 2 {
		t.Errorf("a refused create changed the rule: min_count %d, want 2", got.GetMinCount())
	}
}

func TestAbsenceRuleWithoutTarget(t *testing.T) {
	env := startFenceEnv(t)
	ctx := testContext(t)
	want := &rtlsv1.Rule{Id: "lost", EventType: rtlsv1.Rule_ABSENCE, TagClass: rtlsv1.TagClass_ASSET,
		Duration: durationpb.New(30 * time.Minute), Enabled: true}
	got, err := env.fences.CreateRule(ctx, &rtlsv1.CreateRuleRequest{Rule: want})
	if err != nil || !proto.Equal(got, want) || got.Target != nil {
		t.Fatalf("got %v, %v; want %v without target", got, err, want)
	}
	enter := &rtlsv1.Rule{Id: "enter", EventType: rtlsv1.Rule_ENTER}
	_, err = env.fences.CreateRule(ctx, &rtlsv1.CreateRuleRequest{Rule: enter})
	wantField(t, err, codes.InvalidArgument, "rule.zone_id")
}

// ruleWith returns a valid ENTER rule on L0-S01 changed by f.
func ruleWith(f func(*rtlsv1.Rule)) *rtlsv1.Rule {
	r := &rtlsv1.Rule{Id: "r1", EventType: rtlsv1.Rule_ENTER, Target: &rtlsv1.Rule_ZoneId{ZoneId: "L0-S01"}, Enabled: true}
	f(r)
	return r
}

// group returns a rule target of zone ids.
func group(ids ...string) *rtlsv1.Rule_Group {
	return &rtlsv1.Rule_Group{Group: &rtlsv1.ZoneGroup{ZoneIds: ids}}
}

func TestCreateRuleInvalid(t *testing.T) {
	tests := []struct {
		name  string
		rule  *rtlsv1.Rule
		field string
	}{
		{"no rule", nil, "rule"},
		{"no event type", ruleWith(func(r *rtlsv1.Rule) { r.EventType = 0 }), "rule.event_type"},
		{"unknown event type", ruleWith(func(r *rtlsv1.Rule) { r.EventType = 42 }), "rule.event_type"},
		{"unknown tag class", ruleWith(func(r *rtlsv1.Rule) { r.TagClass = 9 }), "rule.tag_class"},
		{"id with control character", ruleWith(func(r *rtlsv1.Rule) { r.Id = "r\n1" }), "rule.id"},
		{"id too long", ruleWith(func(r *rtlsv1.Rule) { r.Id = strings.Repeat("r", 257) }), "rule.id"},
		{"no target", ruleWith(func(r *rtlsv1.Rule) { r.Target = nil }), "rule.zone_id"},
		{"empty zone id", ruleWith(func(r *rtlsv1.Rule) { r.Target = &rtlsv1.Rule_ZoneId{} }), "rule.zone_id"},
		{"unknown zone", ruleWith(func(r *rtlsv1.Rule) { r.Target = &rtlsv1.Rule_ZoneId{ZoneId: "L9-X"} }), "rule.zone_id"},
		{"empty group", ruleWith(func(r *rtlsv1.Rule) { r.Target = group() }), "rule.group"},
		{"group of both kinds", ruleWith(func(r *rtlsv1.Rule) {
			r.Target = &rtlsv1.Rule_Group{Group: &rtlsv1.ZoneGroup{Category: "storage", ZoneIds: []string{"L0-S00"}}}
		}), "rule.group"},
		{"group repeats a zone", ruleWith(func(r *rtlsv1.Rule) { r.Target = group("L0-S01", "L0-S01") }), "rule.group.zone_ids[1]"},
		{"group names an unknown zone", ruleWith(func(r *rtlsv1.Rule) { r.Target = group("L0-S01", "nowhere") }), "rule.group.zone_ids[1]"},
		{"asset type too long", ruleWith(func(r *rtlsv1.Rule) { r.AssetType = strings.Repeat("a", 257) }), "rule.asset_type"},
		{"dwell without duration", ruleWith(func(r *rtlsv1.Rule) { r.EventType = rtlsv1.Rule_DWELL }), "rule.duration"},
		{"negative debounce", ruleWith(func(r *rtlsv1.Rule) { r.Duration = durationpb.New(-time.Second) }), "rule.duration"},
		{"invalid duration", ruleWith(func(r *rtlsv1.Rule) { r.Duration = &durationpb.Duration{Seconds: 1, Nanos: 2e9} }), "rule.duration"},
		{"duration past time.Duration", ruleWith(func(r *rtlsv1.Rule) { r.Duration = &durationpb.Duration{Seconds: 300 * 365 * 86400} }), "rule.duration"},
		{"sub-millisecond duration", ruleWith(func(r *rtlsv1.Rule) { r.Duration = &durationpb.Duration{Nanos: 1500} }), "rule.duration"},
		{"par without min count", ruleWith(func(r *rtlsv1.Rule) { r.EventType = rtlsv1.Rule_PAR }), "rule.min_count"},
		{"negative min count", ruleWith(func(r *rtlsv1.Rule) { r.EventType, r.MinCount = rtlsv1.Rule_PAR, -1 }), "rule.min_count"},
		{"min count on enter", ruleWith(func(r *rtlsv1.Rule) { r.MinCount = 2 }), "rule.min_count"},
	}
	env := startFenceEnv(t)
	ctx := testContext(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := env.fences.CreateRule(ctx, &rtlsv1.CreateRuleRequest{Rule: tt.rule})
			wantField(t, err, codes.InvalidArgument, tt.field)
		})
	}
	if list, err := env.fences.ListRules(ctx, &rtlsv1.ListRulesRequest{}); err != nil || len(list.Rules) != 0 {
		t.Errorf("invalid rules were stored: %v, %v", list, err)
	}
}

func TestUpdateRuleInvalid(t *testing.T) {
	env := startFenceEnv(t)
	ctx := testContext(t)
	if _, err := env.fences.CreateRule(ctx, &rtlsv1.CreateRuleRequest{Rule: parRule("p")}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		rule  *rtlsv1.Rule
		field string
	}{
		{"no rule", nil, "rule"},
		{"no id", parRule(""), "rule.id"},
		{"zero min count", func() *rtlsv1.Rule { r := parRule("p"); r.MinCount = 0; return r }(), "rule.min_count"},
		{"unknown zone", func() *rtlsv1.Rule { r := parRule("p"); r.Target = group("nowhere"); return r }(), "rule.group.zone_ids[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := env.fences.UpdateRule(ctx, &rtlsv1.UpdateRuleRequest{Rule: tt.rule})
			wantField(t, err, codes.InvalidArgument, tt.field)
		})
	}
	if got, err := env.fences.GetRule(ctx, &rtlsv1.GetRuleRequest{Id: "p"}); err != nil || !proto.Equal(got, parRule("p")) {
		t.Errorf("refused updates changed the rule: %v, %v", got, err)
	}
}

func TestRequestsNeedIDs(t *testing.T) {
	env := startFenceEnv(t)
	ctx := testContext(t)
	calls := map[string]func() error{
		"GetRule":    func() error { _, err := env.fences.GetRule(ctx, &rtlsv1.GetRuleRequest{}); return err },
		"DeleteRule": func() error { _, err := env.fences.DeleteRule(ctx, &rtlsv1.DeleteRuleRequest{}); return err },
		"GetZone":    func() error { _, err := env.fences.GetZone(ctx, &rtlsv1.GetZoneRequest{}); return err },
		"DeleteZone": func() error { _, err := env.fences.DeleteZone(ctx, &rtlsv1.DeleteZoneRequest{}); return err },
		"GetTag":     func() error { _, err := env.registry.GetTag(ctx, &rtlsv1.GetTagRequest{}); return err },
		"DeleteTag":  func() error { _, err := env.registry.DeleteTag(ctx, &rtlsv1.DeleteTagRequest{}); return err },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) { wantField(t, call(), codes.InvalidArgument, "id") })
	}
}

func TestListRulesPaging(t *testing.T) {
	env := startFenceEnv(t)
	ctx := testContext(t)
	for _, id := range []string{"r3", "r1", "r5", "r2", "r4"} {
		if _, err := env.fences.CreateRule(ctx, &rtlsv1.CreateRuleRequest{Rule: parRule(id)}); err != nil {
			t.Fatal(err)
		}
	}
	var pages [][]string
	token := ""
	for {
		resp, err := env.fences.ListRules(ctx, &rtlsv1.ListRulesRequest{PageSize: 2, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range resp.Rules {
			ids = append(ids, r.Id)
		}
		pages = append(pages, ids)
		if token = resp.NextPageToken; token == "" {
			break
		}
	}
	if got, want := strings.Join(flatten(pages), " "), "r1 r2 r3 r4 r5"; got != want || len(pages) != 3 {
		t.Errorf("pages %v, want %q in 3 pages", pages, want)
	}
	first, err := env.fences.ListRules(ctx, &rtlsv1.ListRulesRequest{PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(first.NextPageToken)
	if strings.Contains(string(raw), "r2") {
		t.Errorf("page token %q shows the id it continues after", first.NextPageToken)
	}
	raw[len(raw)-1] ^= 1
	bad := []string{
		"not a token!",
		base64.RawURLEncoding.EncodeToString(raw),               // tampered
		base64.RawURLEncoding.EncodeToString([]byte("rule:r1")), // forged in the old clear form
		cursor.Token(cursor.Zones, "r1"),                        // of another list
		cursor.Token(cursor.Positions, "r1"),                    // of the store's positions
	}
	for _, tok := range bad {
		req := &rtlsv1.ListRulesRequest{PageToken: tok}
		_, err := env.fences.ListRules(ctx, req)
		wantField(t, err, codes.InvalidArgument, "page_token")
	}
	for _, size := range []int32{-1, 1001} {
		_, err := env.fences.ListRules(ctx, &rtlsv1.ListRulesRequest{PageSize: size})
		wantField(t, err, codes.InvalidArgument, "page_size")
	}
}

// flatten joins pages of ids.
func flatten(pages [][]string) []string {
	var out []string
	for _, p := range pages {
		out = append(out, p...)
	}
	return out
}

// Concurrent creates of one id: exactly one wins, the others get
// ALREADY_EXISTS (the existence check and the put are atomic).
func TestCreateRuleConcurrent(t *testing.T) {
	env := startFenceEnv(t)
	ctx := testContext(t)
	const n = 32
	codesSeen := make(chan codes.Code, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r := parRule("same")
			r.MinCount = int32(i + 1)
			_, err := env.fences.CreateRule(ctx, &rtlsv1.CreateRuleRequest{Rule: r})
			codesSeen <- status.Code(err)
		})
	}
	wg.Wait()
	close(codesSeen)
	count := map[codes.Code]int{}
	for c := range codesSeen {
		count[c]++
	}
	if count[codes.OK] != 1 || count[codes.AlreadyExists] != n-1 {
		t.Errorf("got codes %v, want one OK and %d ALREADY_EXISTS", count, n-1)
	}
}
