// Tenant isolation seen from outside: an Owner of one organization sends another organization's
// ids to every administrative endpoint and learns nothing ("not found"), changes nothing.
import { expect, test } from './fixtures';
import { apiPost, newAccount, signUpVerified } from './helpers';

test('an Owner of organization B cannot reach anything of organization A by its ids', async ({ browser }) => {
  const a = await browser.newContext();
  const aPage = await a.newPage();
  await signUpVerified(aPage, newAccount());
  const invited = await apiPost(aPage.request, 'invite_member', {
    email: `victim-${Date.now()}@example.com`,
    role: 'member',
  });
  const invitation = await invited.json();
  const aMembers = await (await apiPost(aPage.request, 'list_members')).json();
  const aOwnerId: string = aMembers.members[0].user_id;
  const aOrg = (await (await apiPost(aPage.request, 'current_user')).json()).organization.id;

  const b = await browser.newContext();
  const bPage = await b.newPage();
  await signUpVerified(bPage, newAccount());
  const attempts: Array<[string, Record<string, string>]> = [
    ['update_member_role', { user_id: aOwnerId, role: 'member' }],
    ['remove_member', { user_id: aOwnerId }],
    ['deactivate_member', { user_id: aOwnerId }],
    ['reactivate_member', { user_id: aOwnerId }],
    ['create_reset_link', { user_id: aOwnerId }],
    ['resend_invitation', { invitation_id: invitation.id }],
    ['revoke_invitation', { invitation_id: invitation.id }],
    ['switch_organization', { organization_id: aOrg }],
  ];
  for (const [endpoint, form] of attempts) {
    const response = await apiPost(bPage.request, endpoint, form);
    expect(response.status(), endpoint).toBe(404);
  }
  // B's own lists never show A's people or invitations.
  const bMembers = await (await apiPost(bPage.request, 'list_members')).json();
  expect(bMembers.members.map((m: { user_id: string }) => m.user_id)).not.toContain(aOwnerId);
  const bInvitations = await (await apiPost(bPage.request, 'list_invitations')).json();
  expect(bInvitations).toEqual([]);

  // A is untouched.
  const after = await (await apiPost(aPage.request, 'list_members')).json();
  expect(after.members[0].role).toBe('owner');
  expect(after.members[0].status).toBe('active');
  const pending = await (await apiPost(aPage.request, 'list_invitations')).json();
  expect(pending.map((i: { id: string }) => i.id)).toContain(invitation.id);
  await a.close();
  await b.close();
});
