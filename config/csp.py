"""The Content-Security-Policy middleware: the site's policy everywhere, one documented exception.

Wagtail's admin renders several form widgets with inline <script> (date pickers, choosers, inline
panels: wagtail.admin.widgets.chooser, wagtailadmin/widgets/*.html), whose content differs with
every field, so neither hashes nor a nonce we could add would be narrower than allowing inline
scripts there: a nonce stamped on every inline script would bless injected ones too. Under the
prefixes in CSP_INLINE_SCRIPT_PATHS (the staff-only admin) script-src therefore also allows
'unsafe-inline'; everything else in the policy (no eval, no other origins, frame-ancestors,
object-src, base-uri, form-action) holds there as well, and the public site never gets it.
"""

from csp.constants import SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if request.path_info.startswith(tuple(settings.CSP_INLINE_SCRIPT_PATHS)):
            parts.replace = {**(parts.replace or {}), "script-src": [SELF, UNSAFE_INLINE]}
        return parts
