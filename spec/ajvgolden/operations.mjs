// The operations whose Rocket.Chat route validates its request with a schema of
// @rocket.chat/rest-typings, one line each: where the validator lives in the package's dist/,
// whether it checks the body or the query, and how the route reports a failure ("router":
// typed API.v1.get/post, the http-router's envelope; "validateParams": a legacy addRoute whose
// ApiClass throws Meteor.Error('invalid-params')). spec/openapi.yaml marks the same with
// x-rocketchat-validate, and the Go replay test checks that both agree. `cases` adds bodies
// (or query strings) to the generated corpus; `path` is the contract's path.
//
// To add an operation: add a line here, run the generator (see generate.mjs), commit the new
// spec/testdata/ajv/<operationId>.json.
export const operations = [
	{ operationId: 'useInviteToken', method: 'POST', path: '/api/v1/useInviteToken', in: 'body', module: 'v1/invites.js', validator: 'isUseInviteTokenProps', validate: 'router' },
	{ operationId: 'validateInviteToken', method: 'POST', path: '/api/v1/validateInviteToken', in: 'body', module: 'v1/invites.js', validator: 'isValidateInviteTokenProps', validate: 'router' },
	{
		operationId: 'findOrCreateInvite', method: 'POST', path: '/api/v1/findOrCreateInvite', in: 'body', module: 'v1/invites.js', validator: 'isFindOrCreateInviteParams', validate: 'router',
		cases: [
			'{"rid":"ProjectX","days":7.0,"maxUses":10}',
			'{"rid":"ProjectX","days":7,"maxUses":1e1}',
			'{"rid":"ProjectX","days":3,"maxUses":2}',
			'{"rid":"ProjectX","days":1e300,"maxUses":0}',
			'{"rid":"ProjectX","days":"30","maxUses":"100"}',
			'{"rid":7,"days":true,"maxUses":null}',
		],
	},
	{ operationId: 'sendInvitationEmail', method: 'POST', path: '/api/v1/sendInvitationEmail', in: 'body', module: 'v1/invites.js', validator: 'isSendInvitationEmailParams', validate: 'router', cases: ['{"emails":"a@example.com"}', '{"emails":[1,true,null]}'] },
	{ operationId: 'roomsBanUser', method: 'POST', path: '/api/v1/rooms.banUser', in: 'body', module: 'v1/rooms.js', validator: 'isRoomsBanUserProps', validate: 'router' },
	{ operationId: 'roomsUnbanUser', method: 'POST', path: '/api/v1/rooms.unbanUser', in: 'body', module: 'v1/rooms.js', validator: 'isRoomsUnbanUserProps', validate: 'router' },
	{
		operationId: 'roomsBannedUsers', method: 'GET', path: '/api/v1/rooms.bannedUsers', in: 'query', module: 'v1/rooms.js', validator: 'isRoomsBannedUsersProps', validate: 'router',
		cases: ['roomId=ProjectX&count=1e1&offset=0x10', 'roomId=ProjectX&count=%20', 'roomId=ProjectX&offset=Infinity'],
	},
	{ operationId: 'usersCreate', method: 'POST', path: '/api/v1/users.create', in: 'body', module: 'v1/users/UserCreateParamsPOST.js', validator: 'isUserCreateParamsPOST', validate: 'validateParams' },
	{ operationId: 'channelsDelete', method: 'POST', path: '/api/v1/channels.delete', in: 'body', module: 'v1/channels/ChannelsDeleteProps.js', validator: 'isChannelsDeleteProps', validate: 'validateParams' },
	{ operationId: 'channelsJoin', method: 'POST', path: '/api/v1/channels.join', in: 'body', module: 'v1/channels/ChannelsJoinProps.js', validator: 'isChannelsJoinProps', validate: 'validateParams' },
	{ operationId: 'groupsCreate', method: 'POST', path: '/api/v1/groups.create', in: 'body', module: 'v1/groups/GroupsCreateProps.js', validator: 'isGroupsCreateProps', validate: 'validateParams', cases: ['{"name":"g","extraData":{"broadcast":true}}', '{"name":"g","extraData":{"extraData":1}}'] },
	{ operationId: 'groupsDelete', method: 'POST', path: '/api/v1/groups.delete', in: 'body', module: 'v1/groups/GroupsDeleteProps.js', validator: 'isGroupsDeleteProps', validate: 'validateParams' },
	{ operationId: 'groupsInvite', method: 'POST', path: '/api/v1/groups.invite', in: 'body', module: 'v1/groups/GroupsInviteProps.js', validator: 'isGroupsInviteProps', validate: 'validateParams' },
	{ operationId: 'subscriptionsGetOne', method: 'GET', path: '/api/v1/subscriptions.getOne', in: 'query', module: 'v1/subscriptionsEndpoints.js', validator: 'isSubscriptionsGetOneProps', validate: 'validateParams' },
	// Issue 13: membership, room roles, direct messages, users.info, subscriptions.get.
	{
		operationId: 'channelsKick', method: 'POST', path: '/api/v1/channels.kick', in: 'body', module: 'v1/channels/ChannelsKickProps.js', validator: 'isChannelsKickProps', validate: 'validateParams',
		cases: [
			'{"roomId":"GENERAL","username":"bob"}',
			'{"roomId":"GENERAL","userId":"bob","username":"bob"}',
			'{"roomId":"","userId":""}',
			'{"roomId":7,"roomName":8,"userId":true}',
			'{"roomName":"general","userId":null}',
			'{"roomId":"GENERAL","roomName":null,"userId":"bob"}',
			'{"userId":"bob"}',
		],
	},
	{
		operationId: 'channelsLeave', method: 'POST', path: '/api/v1/channels.leave', in: 'body', module: 'v1/channels/ChannelsLeaveProps.js', validator: 'isChannelsLeaveProps', validate: 'validateParams',
		cases: ['{"roomId":null}', '{"roomName":7}', '{"roomId":["GENERAL"]}', '{"roomId":"GENERAL","roomName":null}', '{"roomId":"GENERAL","zzz":1,"roomName":"general"}'],
	},
	{
		operationId: 'channelsRoles', method: 'GET', path: '/api/v1/channels.roles', in: 'query', module: 'v1/channels/ChannelsRolesProps.js', validator: 'isChannelsRolesProps', validate: 'validateParams',
		cases: ['roomId=GENERAL&roomName=', 'roomId[]=a&roomId[]=b', 'roomName[0]=general', 'roomId=&roomName='],
	},
	// dm.create and im.create are one addRoute(['dm.create', 'im.create'], …) with one validator.
	...['imCreate', 'dmCreate'].map((operationId) => ({
		operationId, method: 'POST', path: `/api/v1/${operationId.replace('Create', '.create')}`, in: 'body', module: 'v1/dm/DmCreateProps.js', validator: 'isDmCreateProps', validate: 'validateParams',
		cases: [
			'{"username":"bob","excludeSelf":"true"}',
			'{"usernames":"bob,alice","excludeSelf":1}',
			'{"username":"bob","excludeSelf":null}',
			'{"username":"bob","excludeSelf":"yes"}',
			'{"usernames":["bob","alice"]}',
			'{"usernames":"bob","username":7}',
			'{"username":"","excludeSelf":false}',
			'{"excludeSelf":true}',
		],
	})),
	{
		operationId: 'usersInfo', method: 'GET', path: '/api/v1/users.info', in: 'query', module: 'v1/users/UsersInfoParamsGet.js', validator: 'isUsersInfoParamsGetProps', validate: 'validateParams',
		cases: [
			'userId=alice&username=alice',
			'userId=alice&fields=%7B%22name%22%3A1%7D',
			'userId=alice&includeUserRooms=true&fields=',
			'username=alice&zzz=1',
			'email=alice%40rocket.chat&includeUserRooms[]=true',
			'userId[]=a&userId[]=b',
			'userId[0]=alice',
			'userId=alice&fields[]=',
			'userId[]=&fields=',
		],
	},
	{
		operationId: 'subscriptionsGet', method: 'GET', path: '/api/v1/subscriptions.get', in: 'query', module: 'v1/subscriptionsEndpoints.js', validator: 'isSubscriptionsGetProps', validate: 'validateParams',
		cases: ['updatedSince=2026-05-01T10:00:00.000Z', 'updatedSince=not-a-date', 'updatedSince[]=a&updatedSince[]=b', 'updatedSince[0]=2026-05-01', 'updatedSince[]=', 'updatedSince[]=&updatedSince[]='],
	},
	// rooms.leave is left out: its validator, isRoomsLeaveProps, is not in the package; the
	// server defines and compiles it in apps/meteor/app/api/server/v1/rooms.ts (an anyOf of
	// {roomId} and {roomName}, compiled by rest-typings' ajv), which nothing published ships.
];
