"""Who may reach which URL: the one table the authorization matrix checks.

Every URL pattern of the site (walked from the root resolver) must match exactly one row. A row
names the patterns it covers (`match`: glob patterns over "namespace:name", or over
"route:<path>" for unnamed patterns, with the language prefix written "<lang>/"), builds one
concrete URL for organization A's object, and says which actors are allowed; everyone else is
denied.

Adding a URL: add ONE row here, e.g.

    Row("charity:thing_detail", lambda o: rev("charity:thing_detail", o["thing"].pk), STAFF_A),

(and, if it needs an object, create it in tests/authz/world.py). `tests/test_authorization_matrix.py`
fails with the name of every pattern that has no row, and of every row that matches nothing.

Actors: anonymous, donor (a user who gave, anonymously), volunteer (a user with a profile, signed
up on A's shift, holding A's certificate), a_owner / a_finance / a_coordinator / a_editor
(organization A, verified with its Wagtail groups), b_owner (owner of verified organization B),
platform_admin (superuser; verifies organizations).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse

from .world import ACTORS, ANONYMOUS_DONOR_NAME


def rev(name, *args):
    return reverse(name, args=args)


EVERYONE = frozenset(ACTORS)
NOBODY = frozenset()
USERS = EVERYONE - {"anonymous"}
ADMIN = frozenset({"platform_admin"})
STAFF_A = frozenset({"a_owner", "a_finance", "a_coordinator", "a_editor"}) | ADMIN
ANY_STAFF = STAFF_A | {"b_owner"}  # every member of a verified organization reaches /cms-admin/


def roles_a(*roles):
    """The owner (who holds every action) and these roles of organization A, and the admin."""
    return frozenset({"a_owner", *(f"a_{r}" for r in roles)}) | ADMIN


def roles_any(*roles):
    """The same roles in any organization: B's owner may open the screen for B's own objects."""
    return roles_a(*roles) | {"b_owner"}


@dataclass(frozen=True)
class Row:
    match: str | tuple[str, ...]
    url: Callable[[dict], str]
    allow: frozenset
    methods: tuple[str, ...] = ("GET",)
    data: Callable[[dict], dict] | dict = field(default_factory=dict)
    # Text of organization A's private data that a response must not contain for anyone outside
    # `sees` (index pages and exports filter rather than deny).
    secret: Callable[[dict], str] | None = None
    sees: frozenset = NOBODY
    note: str = ""

    @property
    def globs(self) -> tuple[str, ...]:
        return (self.match,) if isinstance(self.match, str) else self.match


def _page(name):
    return lambda o: rev(name, o["project_page"].pk)


def _proposal(name, *extra):
    return lambda o: rev(name, o["org"].slug, o["proposal"].pk, *(f(o) for f in extra))


def DONOR_NAME(o):
    """The name on the gift the donor made anonymously."""
    return ANONYMOUS_DONOR_NAME


ROWS: list[Row] = [
    # ---- Public site, feeds, open data -------------------------------------------------------
    Row("healthz", lambda o: rev("healthz"), EVERYONE),
    Row("robots_txt", lambda o: rev("robots_txt"), EVERYONE),
    Row("sitemap", lambda o: rev("sitemap"), EVERYONE),
    Row(
        "stripe_webhook",
        lambda o: rev("stripe_webhook"),
        EVERYONE,
        methods=("POST",),
        note="public by design: an unsigned event is refused with 400, whoever sends it",
    ),
    Row(
        "open_data_csv",
        lambda o: rev("open_data_csv", "donations"),
        EVERYONE,
        secret=DONOR_NAME,
        note="a donor who gave anonymously is never named",
    ),
    Row(
        "open_data_json", lambda o: rev("open_data_json", "donations"), EVERYONE, secret=DONOR_NAME
    ),
    Row("open_data_report", lambda o: rev("open_data_report", o["report"].pk, "csv"), EVERYONE),
    Row("open_data", lambda o: rev("open_data"), EVERYONE),
    Row("updates_feed", lambda o: rev("updates_feed"), EVERYONE),
    Row(
        "wagtail_serve",
        lambda o: o["project_page"].url,
        EVERYONE,
        secret=DONOR_NAME,
        note="organization A's project page, with its gifts",
    ),
    Row("wagtailcore_login", lambda o: rev("wagtailcore_login"), EVERYONE),
    Row(
        "wagtailcore_authenticate_with_password",
        lambda o: rev("wagtailcore_authenticate_with_password", 999999, o["project_page"].pk),
        NOBODY,
        note="no page is password-protected: an unknown restriction is 404 for everyone",
    ),
    Row(
        "test_gateway_checkout",
        lambda o: rev("test_gateway_checkout", o["checkout_session"]),
        EVERYONE,
        note="the local stand-in for Stripe's hosted page: the session id is the link",
    ),
    # ---- Accounts (allauth) -------------------------------------------------------------------
    Row(
        (
            "account_login",
            "account_signup",
            "account_inactive",
            "account_reset_password",
            "account_reset_password_done",
            "account_reset_password_from_key_done",
            "account_email_verification_sent",
        ),
        lambda o: rev("account_login"),
        EVERYONE,
        note="public sign-in pages (signed-in people are sent on)",
    ),
    Row("account_logout", lambda o: rev("account_logout"), EVERYONE),
    Row(
        ("account_email", "account_change_password", "account_set_password"),
        lambda o: rev("account_email"),
        USERS,
    ),
    Row(
        (
            "account_reauthenticate",
            "account_request_reauthentication_code",
            "account_confirm_reauthentication_code",
        ),
        lambda o: rev("account_reauthenticate"),
        USERS,
    ),
    Row(
        "account_confirm_login_code",
        lambda o: rev("account_confirm_login_code"),
        USERS,
        note="without a login code pending, visitors go to the login page; signed-in people on",
    ),
    Row(
        "account_confirm_email",
        lambda o: rev("account_confirm_email", "bad-key"),
        EVERYONE,
        note="an unknown key shows that the link is invalid",
    ),
    Row(
        "account_reset_password_from_key",
        lambda o: rev("account_reset_password_from_key", "1", "bad-key"),
        EVERYONE,
    ),
    # ---- Donors --------------------------------------------------------------------------------
    Row("charity:donate", lambda o: rev("charity:donate", o["project"].pk), EVERYONE),
    Row(
        ("charity:donation_detail", "charity:donation_thanks", "charity:donation_receipt"),
        lambda o: rev("charity:donation_detail", o["donation"].guest_token),
        EVERYONE,
        note="the private link is the proof (sent only to the donor)",
    ),
    Row(
        "charity:donation_stop_monthly",
        lambda o: rev("charity:donation_stop_monthly", o["monthly_donation"].guest_token),
        EVERYONE,
        methods=("POST",),
        note="the private link is the proof",
    ),
    Row(
        "charity:my_donations",
        lambda o: rev("charity:my_donations"),
        USERS,
        secret=lambda o: o["donation"].receipt_number,
        sees=frozenset({"donor"}),
    ),
    Row(
        "charity:my_monthly_gift_stop",
        lambda o: rev("charity:my_monthly_gift_stop", o["monthly_gift"].pk),
        frozenset({"donor"}),
        methods=("POST",),
    ),
    # ---- Accounts of organizations --------------------------------------------------------------
    Row(("charity:dashboard", "charity:preferences"), lambda o: rev("charity:dashboard"), USERS),
    Row("charity:organization_register", lambda o: rev("charity:organization_register"), USERS),
    Row(
        "charity:organization_members",
        lambda o: rev("charity:organization_members", o["org"].slug),
        STAFF_A,
    ),
    Row(
        "charity:membership_change_role",
        lambda o: rev("charity:membership_change_role", o["org"].slug, o["editor_membership"].pk),
        roles_a(),
        methods=("POST",),
        data={"role": "finance"},
    ),
    Row(
        "charity:membership_remove",
        lambda o: rev("charity:membership_remove", o["org"].slug, o["editor_membership"].pk),
        roles_a(),
        methods=("POST",),
    ),
    Row(
        "charity:invitation_revoke",
        lambda o: rev("charity:invitation_revoke", o["org"].slug, o["invitation"].pk),
        roles_a(),
        methods=("POST",),
    ),
    Row(
        "charity:invitation_accept",
        lambda o: rev("charity:invitation_accept", o["invitation"].token),
        USERS,
        note="the emailed token is the proof; accepting needs the invited address",
    ),
    # ---- Volunteers --------------------------------------------------------------------------------
    Row("volunteers:opportunities", lambda o: rev("volunteers:opportunities"), EVERYONE),
    Row(
        "volunteers:shift_detail", lambda o: rev("volunteers:shift_detail", o["shift"].pk), EVERYONE
    ),
    Row(
        "volunteers:shift_signup",
        lambda o: rev("volunteers:shift_signup", o["open_shift"].pk),
        USERS,
        methods=("POST",),
        note="the volunteer gets a place; others are sent to create a profile first",
    ),
    Row(
        "volunteers:signup_cancel",
        lambda o: rev("volunteers:signup_cancel", o["signup"].pk),
        frozenset({"volunteer"}),
        methods=("POST",),
    ),
    Row(
        ("volunteers:dashboard", "volunteers:profile", "volunteers:certificate_add"),
        lambda o: rev("volunteers:dashboard"),
        USERS,
    ),
    Row(
        "volunteers:certificate_remove",
        lambda o: rev("volunteers:certificate_remove", o["volunteer_certificate"].pk),
        frozenset({"volunteer"}),
        methods=("POST",),
    ),
    Row(
        "volunteers:calendar_reset",
        lambda o: rev("volunteers:calendar_reset"),
        frozenset({"volunteer"}),
        methods=("POST",),
        note="only a volunteer has a calendar",
    ),
    Row(
        "volunteers:calendar_feed",
        lambda o: rev("volunteers:calendar_feed", o["calendar_token"]),
        EVERYONE,
        note="the private feed's token is the proof",
    ),
    Row(
        "volunteers:roster",
        lambda o: rev("volunteers:roster", o["shift"].pk),
        roles_a("coordinator"),
    ),
    Row(
        "volunteers:hours_approve",
        lambda o: rev("volunteers:hours_approve", o["ended_shift"].pk, o["ended_signup"].pk),
        roles_a("coordinator"),
        methods=("POST",),
        data={"hours": "2", "note": "left early"},
    ),
    Row(
        "volunteers:certificate_for_signup",
        lambda o: rev("volunteers:certificate_for_signup", o["past_shift"].pk, o["past_signup"].pk),
        roles_a("coordinator"),
        methods=("POST",),
    ),
    Row(
        "volunteers:roster_action",
        lambda o: rev(
            "volunteers:roster_action", o["ended_shift"].pk, o["ended_signup"].pk, "no-show"
        ),
        roles_a("coordinator"),
        methods=("POST",),
    ),
    Row(
        "volunteers:check_in",
        lambda o: rev("volunteers:check_in", o["check_in_token"]),
        USERS,
        note="the QR code's token; the check-in itself needs the volunteer's own place",
    ),
    Row("volunteers:my_certificates", lambda o: rev("volunteers:my_certificates"), USERS),
    Row(
        ("volunteers:certificate_detail", "volunteers:certificate_pdf"),
        lambda o: rev("volunteers:certificate_detail", o["certificate"].pk),
        frozenset({"volunteer"}) | roles_a("coordinator"),
    ),
    Row(
        "volunteers:certificate_revoke",
        lambda o: rev("volunteers:certificate_revoke", o["certificate"].pk),
        roles_a(),
        methods=("POST",),
        data={"reason": "issued by mistake"},
    ),
    Row(
        "volunteers:certificate_verify",
        lambda o: rev("volunteers:certificate_verify", o["certificate"].verification_code),
        EVERYONE,
        secret=lambda o: o["certificate"].volunteer_name,
        sees=frozenset({"volunteer"}),
        note="only the masked name is shown (the volunteer sees their own in the site's menu)",
    ),
    # ---- Matching (coordinators) -------------------------------------------------------------------
    Row(
        "volunteers_matching:assignments",
        lambda o: rev("volunteers_matching:assignments", o["org"].slug),
        roles_a("coordinator"),
    ),
    Row(
        ("volunteers_matching:proposal", "volunteers_matching:proposal_status"),
        _proposal("volunteers_matching:proposal"),
        roles_a("coordinator"),
    ),
    Row(
        "volunteers_matching:placement_remove",
        _proposal("volunteers_matching:placement_remove", lambda o: o["placement"].pk),
        roles_a("coordinator"),
        methods=("POST",),
    ),
    Row(
        "volunteers_matching:placement_add",
        _proposal("volunteers_matching:placement_add"),
        roles_a("coordinator"),
        methods=("POST",),
        data=lambda o: {"shift": o["open_shift"].pk, "volunteer_number": o["volunteer_number"]},
    ),
    Row(
        ("volunteers_matching:proposal_confirm", "volunteers_matching:proposal_discard"),
        _proposal("volunteers_matching:proposal_discard"),
        roles_a("coordinator"),
        methods=("POST",),
    ),
    # ---- Staff admin: our domain objects -------------------------------------------------------------
    Row(
        ("projects:index", "projects:index_results"),
        lambda o: rev("projects:index"),
        roles_any("finance", "editor"),
        secret=lambda o: o["project"].title,
        sees=roles_a("finance", "editor"),
    ),
    Row("projects:add", lambda o: rev("projects:add"), roles_any("finance", "editor")),
    Row(
        "projects:edit",
        lambda o: rev("projects:edit", o["project"].pk),
        roles_a("finance", "editor"),
        methods=("GET", "POST"),
        data={"title": "changed"},
    ),
    Row(
        "projects:delete",
        lambda o: rev("projects:delete", o["project"].pk),
        NOBODY,
        methods=("GET", "POST"),
        note="projects are never deleted in the admin (money may be recorded against them)",
    ),
    Row(
        "projects:history",
        lambda o: rev("projects:history", o["project"].pk),
        roles_a("finance", "editor"),
    ),
    Row(
        "projects:history_results",
        lambda o: rev("projects:history_results", o["project"].pk),
        roles_a("finance", "editor"),
    ),
    Row(
        "projects:usage",
        lambda o: rev("projects:usage", o["project"].pk),
        roles_a("finance", "editor"),
    ),
    Row(
        "projects:copy",
        lambda o: rev("projects:copy", o["project"].pk),
        roles_a("finance", "editor"),
    ),
    # The audit trail is for owners only (a platform admin reads it in the Django admin); each
    # owner sees their own organizations' entries.
    *(
        Row(
            name,
            lambda o, name=name: rev(name),
            frozenset({"a_owner", "b_owner"}),
            secret=lambda o: o["task"].title,
            sees=frozenset({"a_owner"}),
        )
        for name in ("audit:index", "audit:export")
    ),
    Row(
        ("donations:index", "donations:index_results", "donations:export"),
        lambda o: rev("donations:index"),
        roles_any("finance"),
        secret=DONOR_NAME,
        sees=roles_a("finance"),
    ),
    Row(
        (
            "donations:add",
            "donations:import",
            "donations:import_confirm",
            "donations:import_template",
        ),
        lambda o: rev("donations:add"),
        roles_any("finance"),
    ),
    Row(
        "donations:inspect",
        lambda o: rev("donations:inspect", o["donation"].pk),
        roles_a("finance"),
    ),
    Row(
        ("expenditures:index", "expenditures:index_results"),
        lambda o: rev("expenditures:index"),
        roles_any("finance"),
        secret=lambda o: o["draft_expenditure"].purpose,
        sees=roles_a("finance"),
    ),
    Row("expenditures:add", lambda o: rev("expenditures:add"), roles_any("finance")),
    Row(
        "expenditures:inspect",
        lambda o: rev("expenditures:inspect", o["draft_expenditure"].pk),
        roles_a("finance"),
    ),
    Row(
        "expenditures:edit",
        lambda o: rev("expenditures:edit", o["draft_expenditure"].pk),
        roles_a("finance"),
        methods=("GET", "POST"),
        data={"purpose": "changed"},
    ),
    Row(
        "expenditures:approve",
        lambda o: rev("expenditures:approve", o["draft_expenditure"].pk),
        roles_a("finance"),
        methods=("POST",),
    ),
    Row(
        "expenditures:add_receipts",
        lambda o: rev("expenditures:add_receipts", o["draft_expenditure"].pk),
        roles_a("finance"),
        methods=("POST",),
    ),
    Row(
        "expenditures:publish",
        lambda o: rev("expenditures:publish", o["draft_expenditure"].pk),
        roles_a("finance"),
        methods=("POST",),
        note="a draft is not publishable: allowed people are told so, nothing changes",
    ),
    Row(
        "expenditures:reverse",
        lambda o: rev("expenditures:reverse", o["published_expenditure"].pk),
        roles_a("finance"),
        methods=("POST",),
        data={"reason": "wrong amount"},
    ),
    Row(
        ("relief_tasks:index", "relief_tasks:index_results"),
        lambda o: rev("relief_tasks:index"),
        roles_any("coordinator"),
        secret=lambda o: o["task"].title,
        sees=roles_a("coordinator"),
    ),
    Row("relief_tasks:add", lambda o: rev("relief_tasks:add"), roles_any("coordinator")),
    Row(
        "relief_tasks:edit",
        lambda o: rev("relief_tasks:edit", o["task"].pk),
        roles_a("coordinator"),
        methods=("GET", "POST"),
        data={"title": "changed"},
    ),
    Row(
        ("relief_shifts:index", "relief_shifts:index_results"),
        lambda o: rev("relief_shifts:index"),
        roles_any("coordinator"),
        secret=lambda o: o["task"].title,
        sees=roles_a("coordinator"),
    ),
    Row("relief_shifts:add", lambda o: rev("relief_shifts:add"), roles_any("coordinator")),
    Row(
        "relief_shifts:inspect",
        lambda o: rev("relief_shifts:inspect", o["shift"].pk),
        roles_a("coordinator"),
    ),
    Row(
        "relief_shifts:cancel",
        lambda o: rev("relief_shifts:cancel", o["shift"].pk),
        roles_a("coordinator"),
        methods=("POST",),
        data={"reason": "storm"},
    ),
    Row(
        ("relief_shifts:approve", "relief_shifts:decline"),
        lambda o: rev("relief_shifts:decline", o["shift"].pk, o["signup"].pk),
        roles_a("coordinator"),
        methods=("POST",),
    ),
    Row(
        ("reports:index", "reports:index_results"),
        lambda o: rev("reports:index"),
        roles_any("finance"),
    ),
    Row("reports:add", lambda o: rev("reports:add"), roles_any("finance")),
    Row("reports:inspect", lambda o: rev("reports:inspect", o["report"].pk), roles_a("finance")),
    Row(
        "reports:publish",
        lambda o: rev("reports:publish", o["report"].pk),
        roles_a("finance"),
        methods=("POST",),
    ),
    # ---- Staff admin: organization A's pages -----------------------------------------------------------
    Row(
        ("wagtailadmin_pages:edit", "wagtailadmin_pages:preview_on_edit"),
        _page("wagtailadmin_pages:edit"),
        roles_a("editor"),
        note="GET: Wagtail checks the same page permission before it reads a POST",
    ),
    Row(
        (
            "wagtailadmin_pages:add_subpage",
            "wagtailadmin_pages:add",
            "wagtailadmin_pages:preview_on_add",
        ),
        _page("wagtailadmin_pages:add_subpage"),
        roles_a("editor"),
    ),
    Row(
        ("wagtailadmin_pages:delete", "wagtailadmin_pages:unpublish"),
        _page("wagtailadmin_pages:unpublish"),
        roles_a(),
        methods=("GET", "POST"),
        note="only owners publish, so only they unpublish",
    ),
    Row(
        (
            "wagtailadmin_pages:move",
            "wagtailadmin_pages:move_confirm",
            "wagtailadmin_pages:set_page_position",
        ),
        _page("wagtailadmin_pages:move"),
        roles_a(),
        note="moving a live page unpublishes it from its place: owners only",
    ),
    Row("wagtailadmin_pages:copy", _page("wagtailadmin_pages:copy"), roles_a("editor")),
    Row(
        ("wagtailadmin_pages:lock", "wagtailadmin_pages:unlock"),
        _page("wagtailadmin_pages:lock"),
        roles_a(),
        methods=("POST",),
    ),
    Row(
        (
            "wagtailadmin_pages:revisions_*",
            "wagtailadmin_pages:history*",
            "wagtailadmin_pages:workflow_history*",
            "wagtailadmin_pages:view_draft",
            "wagtailadmin_pages:usage",
        ),
        _page("wagtailadmin_pages:history"),
        roles_a("editor"),
    ),
    Row("wagtailadmin_pages:set_privacy", _page("wagtailadmin_pages:set_privacy"), roles_a()),
    Row(
        (
            "wagtailadmin_pages:workflow_action",
            "wagtailadmin_pages:workflow_preview",
            "wagtailadmin_pages:collect_workflow_action_data",
            "wagtailadmin_pages:convert_alias",
        ),
        _page("wagtailadmin_pages:convert_alias"),
        NOBODY,
        note="Wagtail's per-page workflow and alias steps: the page is no alias and has no "
        "workflow in progress, so 404 for everyone",
    ),
    Row(
        "wagtailadmin_pages:confirm_workflow_cancellation",
        _page("wagtailadmin_pages:confirm_workflow_cancellation"),
        ANY_STAFF,
        note="Wagtail's own view checks no page permission; it tells only whether the page's "
        "workflow would be cancelled (none here)",
    ),
    Row(
        "simple_translation:submit_page_translation",
        _page("simple_translation:submit_page_translation"),
        ADMIN,
        note="the workspace creates every language's pages; staff need not submit translations",
    ),
    Row(
        ("wagtailadmin_explore", "wagtailadmin_explore_results"),
        lambda o: rev("wagtailadmin_explore", o["org_page"].pk),
        roles_any("editor"),
        note="the tree is browsable; what can be done on a page is checked per page",
    ),
    # ---- Staff admin: Wagtail's own screens, by group --------------------------------------------------
    Row(
        (
            "wagtailadmin_home",
            "wagtailadmin_explore_root",
            "wagtailadmin_pages:search*",
            "wagtailadmin_pages:type_use*",
            "wagtailadmin_pages:choose_parent",
            "wagtailadmin_choose_page*",
            "wagtailadmin_tag_*",
            "wagtailadmin_account",
            "wagtailadmin_dismissibles",
            "wagtailadmin_editing_sessions:*",
            "wagtailadmin_block_preview",
            "wagtailadmin_api:*",
            "wagtailembeds:*",
            "wagtail_bulk_action",
            "wagtailsnippets:index",
            "wagtailadmin_reports:*",
            "route:cms-admin/test404/",
            "route:cms-admin/^.*/$",
            "wagtailadmin_error_test",
        ),
        lambda o: rev("wagtailadmin_home"),
        ANY_STAFF,
        note="Wagtail's shared screens: any organization's staff may open them",
    ),
    Row(
        ("wagtailimages:*", "wagtailimages_chooser:*", "wagtaildocs:*", "wagtaildocs_chooser:*"),
        lambda o: rev("wagtailimages:index"),
        roles_any("editor"),
        note="images and documents: owners and editors, each in their organization's collection",
    ),
    Row(
        (
            "wagtailusers_users:*",
            "wagtailusers_groups:*",
            "wagtailsites:*",
            "wagtaillocales:*",
            "wagtailadmin_workflows:*",
            "wagtailadmin_collections:*",
            "wagtailsettings:*",
            "wagtailredirects:*",
            "wagtailforms:*",
            "simple_translation:submit_snippet_translation",
        ),
        lambda o: rev("wagtailusers_users:index"),
        ADMIN,
        note="platform settings: the platform administrator only",
    ),
    Row(
        (
            "wagtailadmin_login",
            "wagtailadmin_logout",
            "wagtailadmin_password_reset*",
            "wagtailadmin_javascript_catalog",
            "wagtailadmin_sprite",
        ),
        lambda o: rev("wagtailadmin_login"),
        EVERYONE,
    ),
    Row(
        ("wagtaildocs_serve", "wagtaildocs_authenticate_with_password"),
        lambda o: rev("wagtaildocs_serve", 999999, "missing.pdf"),
        NOBODY,
        note="no document in the world: 404 for everyone",
    ),
    # ---- Django admin: platform staff -----------------------------------------------------------------
    Row(("admin:*", "route:django-admin/*"), lambda o: rev("admin:index"), ADMIN),
]
