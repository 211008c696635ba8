package account

import "slices"

// Role is what a member may do in a workspace.
type Role string

// The roles, from most to least powerful.
const (
	Owner      Role = "owner"
	Admin      Role = "admin"
	Strategist Role = "strategist"
	Editor     Role = "editor"
	Approver   Role = "approver"
	Analyst    Role = "analyst"
	Agent      Role = "agent"
)

// Roles lists every role, most powerful first.
var Roles = []Role{Owner, Admin, Strategist, Editor, Approver, Analyst, Agent}

// Permission names one thing a role may do. The web UI and the API both ask
// Can, so they cannot disagree.
type Permission string

// The permissions.
const (
	ReadWorkspace  Permission = "workspace.read"
	EditWorkspace  Permission = "workspace.edit"
	ManageMembers  Permission = "members.manage"
	ManageTokens   Permission = "tokens.manage"
	ReadAudit      Permission = "audit.read"
	EditBrand      Permission = "brand.edit"
	EditPlatforms  Permission = "platforms.edit"
	EditStrategy   Permission = "strategy.edit"
	EditContent    Permission = "content.edit"
	ApproveContent Permission = "content.approve"
	ReplyInbox     Permission = "inbox.reply"
	EditListening  Permission = "listening.edit"
	ReadReports    Permission = "reports.read"
)

// permissions is the one table of who may do what. Every member may read the
// workspace; reading is not listed.
var permissions = map[Role][]Permission{
	Owner:      {EditWorkspace, ManageMembers, ManageTokens, ReadAudit, EditBrand, EditPlatforms, EditStrategy, EditContent, ApproveContent, ReplyInbox, EditListening, ReadReports},
	Admin:      {EditWorkspace, ManageMembers, ManageTokens, ReadAudit, EditBrand, EditPlatforms, EditStrategy, EditContent, ApproveContent, ReplyInbox, EditListening, ReadReports},
	Strategist: {ManageTokens, EditBrand, EditPlatforms, EditStrategy, EditContent, EditListening, ReadReports},
	Editor:     {ManageTokens, EditContent, ReadReports},
	Approver:   {ManageTokens, ApproveContent, ReadReports},
	Analyst:    {ManageTokens, ReadReports},
	Agent:      {ManageTokens, ReplyInbox},
}

// Can reports whether role r has permission p.
func (r Role) Can(p Permission) bool {
	if p == ReadWorkspace {
		return r.Valid()
	}
	return slices.Contains(permissions[r], p)
}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// GrantableBy reports whether a member with role actor may give role r,
// to a member or to a token: every permission of r must be actor's, and
// only an owner makes owners. The roles are not nested (an approver may
// approve and an editor may not), so their order alone would let one
// role hand out another's powers.
func (r Role) GrantableBy(actor Role) bool {
	if !r.Valid() || !actor.Valid() || r == Owner && actor != Owner {
		return false
	}
	for _, p := range permissions[r] {
		if !actor.Can(p) {
			return false
		}
	}
	return true
}

// Permissions lists role r's permissions, for the members page.
func (r Role) Permissions() []Permission {
	return append([]Permission{ReadWorkspace}, permissions[r]...)
}
