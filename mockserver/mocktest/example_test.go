package mocktest_test

import (
	"fmt"

	"github.com/rcinvite/rcinvite/mockserver/mocktest"
)

// Bob redeems the fixture invite PrjXok and joins project-x; carol, banned from the room, is
// refused by Rocket.Chat 8.4.0's ban check.
func Example() {
	m, err := mocktest.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()

	bob := m.Session("bob", "bob-token") // fixture users carry fixed tokens
	res, err := bob.PostJSON("/api/v1/useInviteToken", map[string]string{"token": "PrjXok"})
	if err != nil {
		fmt.Println(err)
		return
	}
	var joined struct {
		Room struct {
			Name string `json:"name"`
		} `json:"room"`
	}
	if err := res.Decode(&joined); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.StatusCode, joined.Room.Name)

	carol := m.Session("carol", "carol-token")
	res, err = carol.PostJSON("/api/v1/useInviteToken", map[string]string{"token": "PrjXok"})
	if err != nil {
		fmt.Println(err)
		return
	}
	var refused struct {
		ErrorType string `json:"errorType"`
	}
	if err := res.Decode(&refused); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.StatusCode, refused.ErrorType)
	// Output:
	// 200 project-x
	// 400 error-user-is-banned
}
