package target

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// connectMongo connects to the server's MongoDB and checks that it answers.
func connectMongo(ctx context.Context, uri string) (*mongo.Client, error) {
	c, err := mongo.Connect(options.Client().ApplyURI(uri).SetTimeout(10 * time.Second))
	if err != nil {
		return nil, fmt.Errorf("connect mongo: %w", err)
	}
	if err := c.Ping(ctx, nil); err != nil {
		_ = c.Disconnect(ctx)
		return nil, fmt.Errorf("ping mongo: %w", err)
	}
	return c, nil
}

// databaseName is the database in uri's path, "rocketchat" when there is none.
func databaseName(uri string) string {
	if u, err := url.Parse(uri); err == nil {
		if name := strings.Trim(u.Path, "/"); name != "" {
			return name
		}
	}
	return "rocketchat"
}

// expireInvite sets the invite's expires a second in the past; nothing caches invites in
// Rocket.Chat's invite path (validateInviteToken.ts reads the document), so the next request sees it.
func expireInvite(ctx context.Context, c *mongo.Client, uri, id string) error {
	coll := c.Database(databaseName(uri)).Collection("rocketchat_invites")
	res, err := coll.UpdateOne(ctx, bson.M{"_id": id}, bson.M{"$set": bson.M{"expires": time.Now().Add(-time.Second)}})
	if err != nil {
		return fmt.Errorf("expire invite %s: %w", id, err)
	}
	if res.MatchedCount != 1 {
		return fmt.Errorf("expire invite %s: no such document in rocketchat_invites", id)
	}
	return nil
}

// plantInvite inserts an invite as findOrCreateInvite stores one (IInvite: never expires,
// unlimited uses, an empty url), for states findOrCreateInvite refuses to make, such as an invite to
// a direct message.
func plantInvite(ctx context.Context, c *mongo.Client, uri, id, rid, creator string) error {
	now := time.Now()
	doc := bson.M{"_id": id, "rid": rid, "userId": creator, "days": 0, "maxUses": 0, "uses": 0,
		"createdAt": now, "expires": nil, "url": "", "_updatedAt": now}
	if _, err := c.Database(databaseName(uri)).Collection("rocketchat_invites").InsertOne(ctx, doc); err != nil {
		return fmt.Errorf("plant invite %s: %w", id, err)
	}
	return nil
}
