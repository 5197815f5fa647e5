package redisstore

// Every Redis key and channel the store uses, all of one site. The site is
// a hash tag ({site}) so a site's keys share one Cluster slot: the Lua
// scripts touch several of them atomically.
//
//	rtls:{site}:pos           hash    tag id -> position (JSON, see codec.go)
//	rtls:{site}:where         hash    tag id -> "ts\xffLevel\xffroom" (for the Apply script)
//	rtls:{site}:tags          zset    every tag with a position, score 0 (lex order)
//	rtls:{site}:level:<id>    zset    tags on a level, score 0
//	rtls:{site}:room:<id>     zset    tags in a room, score 0
//	rtls:{site}:seen          zset    tag id -> TS of its position (last seen, ms)
//	rtls:{site}:events        stream  geofence events (fields in codec.go)
//	rtls:{site}:ch:positions  channel JSON array of the positions of each Apply
//	rtls:{site}:ch:events     channel id of the newest event of each Apply
//
// The level and room sets are created and deleted by the Apply script from
// the prefixes below; an empty set does not exist.
type keys struct {
	positions   string
	placements  string
	tags        string
	levelPrefix string
	roomPrefix  string
	seen        string
	events      string
	posChannel  string
	evChannel   string
}

func newKeys(site string) keys {
	p := "rtls:{" + site + "}:"
	return keys{
		positions:   p + "pos",
		placements:  p + "where",
		tags:        p + "tags",
		levelPrefix: p + "level:",
		roomPrefix:  p + "room:",
		seen:        p + "seen",
		events:      p + "events",
		posChannel:  p + "ch:positions",
		evChannel:   p + "ch:events",
	}
}

// level returns the key of the set of tags on level id.
func (k keys) level(id string) string { return k.levelPrefix + id }

// room returns the key of the set of tags in room id.
func (k keys) room(id string) string { return k.roomPrefix + id }
