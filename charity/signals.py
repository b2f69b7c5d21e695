"""Events other layers react to (the CMS gives verified organizations their editing workspace).

Sent by charity.services after the change commits; receivers must not change charity's data.
"""

from django.dispatch import Signal

# organization: the Organization whose verification or membership changed.
organization_verified = Signal()
organization_unverified = Signal()
membership_changed = Signal()

# Money moved (a ledger entry was appended). organization_id; project_ids: the projects whose
# figures changed (empty for the general fund).
project_money_changed = Signal()
