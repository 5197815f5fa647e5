package redisstore

import (
	"slices"

	"github.com/hospitalrtls/rtls/store"
)

// Every Redis key and channel the store uses, all of one site. The site is
// a hash tag ({site}) so a site's keys share one Cluster slot: the Lua
// scripts touch several of them atomically, some (level, room, trail,
// analytics and status keys) named inside the script from a prefix, which
// Redis Cluster allows for keys of the slot the declared keys are in. The
// channels share the slot too (not needed by PUBLISH, which Cluster
// broadcasts to every node, but by sharded Pub/Sub should it be used).
// TestCluster checks the slot of every key its contract run wrote, and
// TestKeyNamesShareTheSiteSlot every name below.
//
//	rtls:{site}:pos           hash    tag id -> position (JSON, see codec.go)
//	rtls:{site}:where         hash    tag id -> "ts\xffLevel\xffroom" (for the Apply script)
//	rtls:{site}:tags          zset    every tag with a position, score 0 (lex order)
//	rtls:{site}:level:<id>    zset    tags on a level, score 0
//	rtls:{site}:room:<id>     zset    tags in a room, score 0
//	rtls:{site}:seen          zset    tag id -> TS of its position (last seen, ms)
//	rtls:{site}:events        stream  geofence events (fields in codec.go)
//	rtls:{site}:audit         stream  audit records (audit.go)
//	rtls:{site}:fence         hash    geofence state part key -> part (binary)
//	rtls:{site}:cfg:<kind>    hash    configuration item id -> data, per kind
//	                                  (rule, zone, tag)
//	rtls:{site}:status:<tag>  zset    a tag's status history (status.go)
//	rtls:{site}:statusseq     hash    tag id -> number of its newest status change
//	rtls:{site}:seq           string  Seq of the newest update applied with one
//	rtls:{site}:applied       list    "seq id id ..." of the newest updates
//	                                  applied with a Seq, newest first
//	rtls:{site}:generation    string  random id of the site's data (generation.go)
//	rtls:{site}:battery       hash    tag id -> "percent ts low" of its last battery level
//	rtls:{site}:batteries     zset    store.BatteryKey of every tag's level, score 0 (lex order)
//	rtls:{site}:trail:v:<tag> zset    the tag's visits, score = entry ms (trail.go)
//	rtls:{site}:trail:p:<tag> stream  the tag's trail points, id = "<ts>-1" (trail.go)
//	rtls:{site}:trail:tags    zset    tag id -> newest trail time written (ms)
//	rtls:{site}:trail:due     hash    tag id -> time (ms) a cut-off must pass for a trim to drop
//	                                  some of its visits, "inf" never (derived, for the Apply
//	                                  script; safe to delete: a tag without one is checked. A
//	                                  build without it leaves it stale: delete it after one ran)
//	rtls:{site}:agg:<bucket>  hash    analytics bucket: row part -> packed value (analytics.go)
//	rtls:{site}:agg:hours     zset    analytics bucket name -> its hour (ms)
//	rtls:{site}:agg:tags      hash    analytics tag index: tag hash -> number (0, 1, ... as
//	                                  first seen; never trimmed, so numbers keep their meaning)
//	rtls:{site}:ingest        stream  the ingest log: accepted sighting batches (ingestlog.go)
//	rtls:{site}:ingest:wm     string  event time (ms) up to which the log is processed
//	                                  and written (Update.Watermark, set by Apply)
//	rtls:{site}:ingest:cursor string  id of the newest log entry the owner's engine took,
//	                                  with a short TTL (absent: no engine consuming)
//	rtls:{site}:ingest:bar    string  event time (ms) at or before which the front refuses
//	                                  sightings; raised by the owner (ingestlog.go)
//	rtls:{site}:lease         string  "owner token [address]" of the instance running
//	                                  the site's engine, with a TTL (lease.go)
//	rtls:{site}:fencing       string  the newest fencing token granted (lease.go)
//	rtls:{site}:ch:positions  channel JSON array of the positions of each Apply
//	rtls:{site}:ch:events     channel id of the newest event of each Apply
//
// One key is not a site's: rtls:host:{host}:engines, a zset of the sites
// whose engines run on a host (site -> expiry ms, lease.go), in the slot of
// its host name.
//
// The level, room and trail keys are created and deleted by the Apply script from
// the prefixes below; an empty set does not exist.
type keys struct {
	positions   string
	placements  string
	tags        string
	levelPrefix string
	roomPrefix  string
	seen        string
	events      string
	audit       string
	fence       string
	seq         string
	applied     string
	generation  string
	config      []string // by store.ConfigKinds
	battery     string
	batteries   string
	posChannel  string
	evChannel   string
	trailVisits string // prefix
	trailPoints string // prefix
	trailIndex  string
	trailDue    string
	aggPrefix   string
	aggIndex    string
	aggTags     string
	// statusPrefix and statusSeq hold the status history (status.go).
	statusPrefix string
	statusSeq    string
	// ingest, ingestWM, lease and fencing hold the ingest log and the
	// engine lease (ingestlog.go, lease.go).
	ingest       string
	ingestWM     string
	ingestCursor string
	ingestBar    string
	lease        string
	fencing      string
}

func newKeys(site string) keys {
	p := "rtls:{" + site + "}:"
	return keys{
		positions:    p + "pos",
		placements:   p + "where",
		tags:         p + "tags",
		levelPrefix:  p + "level:",
		roomPrefix:   p + "room:",
		seen:         p + "seen",
		events:       p + "events",
		audit:        p + "audit",
		fence:        p + "fence",
		seq:          p + "seq",
		applied:      p + "applied",
		generation:   p + "generation",
		config:       configKeys(p),
		battery:      p + "battery",
		batteries:    p + "batteries",
		posChannel:   p + "ch:positions",
		evChannel:    p + "ch:events",
		trailVisits:  p + "trail:v:",
		trailPoints:  p + "trail:p:",
		trailIndex:   p + "trail:tags",
		trailDue:     p + "trail:due",
		aggPrefix:    p + "agg:",
		aggIndex:     p + "agg:hours",
		aggTags:      p + "agg:tags",
		statusPrefix: p + "status:",
		statusSeq:    p + "statusseq",
		ingest:       p + "ingest",
		ingestWM:     p + "ingest:wm",
		ingestCursor: p + "ingest:cursor",
		ingestBar:    p + "ingest:bar",
		lease:        p + "lease",
		fencing:      p + "fencing",
	}
}

// configKeys returns the configuration hashes by store.ConfigKinds.
func configKeys(prefix string) []string {
	kinds := store.ConfigKinds()
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = prefix + "cfg:" + k
	}
	return out
}

// configIndex returns the index of kind in store.ConfigKinds, or -1.
func configIndex(kind string) int { return slices.Index(store.ConfigKinds(), kind) }

// level returns the key of the set of tags on level id.
func (k keys) level(id string) string { return k.levelPrefix + id }

// room returns the key of the set of tags in room id.
func (k keys) room(id string) string { return k.roomPrefix + id }

// status returns the key of the status history of tag id.
func (k keys) status(id string) string { return k.statusPrefix + id }
