"""Minimal Django admin for support staff; coordinators work in the Wagtail admin (to come).

Sign-ups and shifts are read-only here: their changes must go through the services, which lock
rows, keep the count of places and write audit rows.
"""

from django.contrib import admin

from .models import (
    ReliefTask,
    Shift,
    ShiftSignup,
    SignupStatusChange,
    Skill,
    VolunteerCertificate,
    VolunteerProfile,
)


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en"]
    search_fields = ["code", "name_zh", "name_en"]


class VolunteerCertificateInline(admin.TabularInline):
    model = VolunteerCertificate
    extra = 0


@admin.register(VolunteerProfile)
class VolunteerProfileAdmin(admin.ModelAdmin):
    list_display = ["volunteer_number", "user", "district", "max_hours_per_week", "created_at"]
    search_fields = ["volunteer_number", "user__email", "user__display_name"]
    raw_id_fields = ["user"]
    readonly_fields = ["volunteer_number", "consent_at", "guardian_consent_at"]
    inlines = [VolunteerCertificateInline]


class ShiftInline(admin.TabularInline):
    model = Shift
    extra = 0
    fields = ["starts_at", "ends_at", "capacity", "places_taken", "cancelled_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ReliefTask)
class ReliefTaskAdmin(admin.ModelAdmin):
    list_display = ["title", "organization", "district", "urgency", "created_at"]
    list_filter = ["urgency"]
    search_fields = ["title", "place"]
    raw_id_fields = ["organization", "project", "created_by"]
    inlines = [ShiftInline]


class ShiftSignupInline(admin.TabularInline):
    model = ShiftSignup
    extra = 0
    fields = ["volunteer", "status", "created_at", "status_changed_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):
    list_display = ["task", "starts_at", "ends_at", "capacity", "places_taken", "cancelled_at"]
    list_filter = ["requires_approval"]
    raw_id_fields = ["task", "coordinator"]
    readonly_fields = ["places_taken", "cancelled_at"]
    inlines = [ShiftSignupInline]


class SignupStatusChangeInline(admin.TabularInline):
    model = SignupStatusChange
    extra = 0
    fields = ["from_status", "to_status", "changed_by", "changed_at", "note"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ShiftSignup)
class ShiftSignupAdmin(admin.ModelAdmin):
    list_display = ["shift", "volunteer", "status", "created_at"]
    list_filter = ["status"]
    readonly_fields = ["shift", "volunteer", "status", "created_at", "status_changed_at"]
    inlines = [SignupStatusChangeInline]

    def has_add_permission(self, request):
        return False
