package world

import "fmt"

// The room lookups of the REST routes, each as its Rocket.Chat helper does it: they differ in
// whether a room parameter is required, which room types they accept, whether the caller
// needs access, and how they word an archived room.

// noRoomParam is the helpers' guard: neither roomId nor roomName sent, or both sent empty.
func noRoomParam(sel RoomSelector) bool { return !sel.given() }

func errRoomArchived(what, name string) *Error {
	return coded("error-room-archived", fmt.Sprintf("The %s, %s, is archived", what, name), nil)
}

// channelByIdOrName is channels.ts's findChannelByIdOrName: the room must be a channel (t "c";
// "l" rooms are not modelled), archived ones are refused when checkArchived. It requires no
// parameter: a request naming no room finds none (error-room-not-found).
func (w *World) channelByIdOrName(sel RoomSelector, checkArchived bool) (*Room, error) {
	r := w.roomBySelector(sel)
	switch {
	case r == nil: // spec/SOURCES.md channelsAddOwner #1
		return nil, errRoomNotFound(Channel.Noun) // roomBySelector recorded it
	case r.T != Channel.T: // spec/SOURCES.md channelsAddOwner #2
		return nil, w.refuse(errRoomNotFound(Channel.Noun), chkRoomKind, S{r.ID, r.T, Channel.T}, N{})
	case checkArchived && r.Archived: // spec/SOURCES.md channelsAddOwner #3
		return nil, w.refuse(errRoomArchived("channel", r.Name), chkRoomArchived, S{r.ID}, N{})
	}
	return r, nil
}

// groupFromParams is groups.ts's getRoomFromParams: a room parameter is required
// (error-room-param-not-provided) and must name a private group. It checks neither access nor
// archiving (groups.kick relies on removeUserFromRoom for those).
func (w *World) groupFromParams(sel RoomSelector) (*Room, error) {
	if noRoomParam(sel) { // spec/SOURCES.md groupsAddOwner #1
		return nil, w.refuse(coded("error-room-param-not-provided", `The parameter "roomId" or "roomName" is required`, nil), chkRoomParam, S{}, N{})
	}
	r := w.roomBySelector(sel)
	switch {
	case r == nil: // spec/SOURCES.md groupsAddOwner #2
		return nil, errRoomNotFound(Group.Noun) // roomBySelector recorded it
	case r.T != Group.T:
		return nil, w.refuse(errRoomNotFound(Group.Noun), chkRoomKind, S{r.ID, r.T, Group.T}, N{})
	}
	return r, nil
}

// privateGroupByIdOrName is groups.ts's findPrivateGroupByIdOrName: getRoomFromParams, then
// canAccessRoom (a non-member, or a banned one, gets the same error-room-not-found), then the
// archived check, which names a discussion by its fname.
func (w *World) privateGroupByIdOrName(uid string, sel RoomSelector, checkArchived bool) (*Room, error) {
	r, err := w.groupFromParams(sel)
	if err != nil {
		return nil, err
	}
	if w.users.get(uid) == nil || !w.canAccess(r, uid) { // spec/SOURCES.md groupsAddOwner #3
		return nil, errRoomNotFound(Group.Noun) // canAccess recorded it (a caller who does not exist is never authenticated)
	}
	if checkArchived && r.Archived { // spec/SOURCES.md groupsAddOwner #4
		name := r.Name
		if r.Prid != "" {
			name = r.FName
		}
		return nil, w.refuse(errRoomArchived("private group", name), chkRoomArchived, S{r.ID}, N{})
	}
	return r, nil
}

// roomByIdOrName is rooms.ts's findRoomByIdOrName: a room parameter is required
// (error-roomid-param-not-provided), any room type is found, and an archived one is refused
// as "The channel, <name>, is archived" whatever its type.
func (w *World) roomByIdOrName(sel RoomSelector, checkArchived bool) (*Room, error) {
	if noRoomParam(sel) { // spec/SOURCES.md roomsLeave #2
		return nil, w.refuse(coded("error-roomid-param-not-provided", `The parameter "roomId" or "roomName" is required`, nil), chkRoomParam, S{}, N{})
	}
	r := w.roomBySelector(sel)
	if r == nil { // spec/SOURCES.md roomsLeave #3
		return nil, errRoomNotFound(Channel.Noun) // roomBySelector recorded it
	}
	if checkArchived && r.Archived { // spec/SOURCES.md roomsLeave #4
		return nil, w.refuse(errRoomArchived("channel", r.Name), chkRoomArchived, S{r.ID}, N{})
	}
	return r, nil
}
