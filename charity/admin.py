"""Django admin, for platform staff: verify organizations, look after accounts."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import AuditEntry, Invitation, Membership, Organization, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "display_name", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Personal info"),
            {
                "fields": (
                    "display_name",
                    "first_name",
                    "last_name",
                    "preferred_language",
                    "time_zone",
                )
            },
        ),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "has_public_fundraising", "verified_at"]
    list_filter = ["has_public_fundraising", ("verified_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "credit_code", "slug"]
    readonly_fields = ["verified_at", "verified_by", "created_at"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]
    actions = ["verify", "unverify"]

    @admin.action(description=_("Verify the selected organizations"), permissions=["verify"])
    def verify(self, request, queryset):
        for organization in queryset:
            services.organization_verify(actor=request.user, organization=organization)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(count)d organization verified.", "%(count)d organizations verified.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Withdraw verification"), permissions=["verify"])
    def unverify(self, request, queryset):
        for organization in queryset:
            services.organization_unverify(actor=request.user, organization=organization)
        self.message_user(request, _("Verification withdrawn."), messages.SUCCESS)

    def has_verify_permission(self, request):
        return request.user.has_perm("charity.verify_organization")

    # Changes go through the services, so that they are checked and land in the audit trail.

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        fields = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name in services.ORGANIZATION_FIELDS
        }
        if fields:
            services.organization_update(actor=request.user, organization=obj, **fields)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            super().save_formset(request, form, formset, change)
            return
        formset.save(commit=False)
        try:
            for membership in formset.deleted_objects:
                services.membership_remove(actor=request.user, membership=membership)
            for membership, changed in formset.changed_objects:
                if "role" in changed:
                    services.membership_change_role(
                        actor=request.user, membership=membership, role=membership.role
                    )
            for membership in formset.new_objects:
                services.membership_create(
                    actor=request.user,
                    organization=form.instance,
                    user=membership.user,
                    role=membership.role,
                )
        except (ValidationError, PermissionDenied) as error:
            texts = error.messages if isinstance(error, ValidationError) else [str(error)]
            for text in texts:
                self.message_user(request, text, messages.ERROR)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "organization",
        "role",
        "created_at",
        "sent_at",
        "accepted_at",
        "revoked_at",
    ]
    list_filter = ["role"]
    search_fields = ["email", "organization__name"]
    readonly_fields = ["token"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the trail is appended by the services and never edited."""

    list_display = ["created", "organization", "actor", "action", "object_type", "object_label"]
    list_filter = ["action", "object_type"]
    list_select_related = ["organization", "actor"]
    search_fields = ["organization__name", "object_label"]
    date_hierarchy = "created"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
