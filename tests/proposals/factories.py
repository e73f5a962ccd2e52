from dtks.accounts.models import Role, User
from proposals.models import ProposalItem

VILLAGE_A = "3371011003"  # Rejowinangun Selatan, Kota Magelang (Jawa Tengah)
VILLAGE_B = "3371011007"  # Magersari: a sibling village in the same regency
OTHER_REGENCY_VILLAGE = "3308012001"  # Kabupaten Magelang (same province)
OTHER_PROVINCE_VILLAGE = "3404012001"  # Sleman (DIY)


def user(role: str, region: str = "", name: str | None = None) -> User:
    name = name or f"{role}-{region or 'pusat'}"
    return User.objects.create_user(name, role=role, region_code=region)


def users() -> dict[str, User]:
    return {
        "village": user(Role.VILLAGE_OPERATOR, VILLAGE_A),
        "sibling_village": user(Role.VILLAGE_OPERATOR, VILLAGE_B),
        "regency": user(Role.REGENCY_VERIFIER, "3371"),
        "other_regency": user(Role.REGENCY_VERIFIER, "3308"),
        "supervisor": user(Role.REGENCY_SUPERVISOR, "3371"),
        "province": user(Role.PROVINCE_OFFICER, "33"),
        "other_province": user(Role.PROVINCE_OFFICER, "34"),
        "ministry": user(Role.MINISTRY_DATA_OFFICER),
        "qa": user(Role.QA_ASSESSOR),
        "minister": user(Role.MINISTER_DELEGATE),
    }


def item(state: str = ProposalItem.State.DRAFT, *, village: str = VILLAGE_A, **kw) -> ProposalItem:
    """An item created directly in a state (test set-up only: services never set a state by hand)."""
    obj = ProposalItem(
        state=state,
        kind=kw.pop("kind", ProposalItem.Kind.ADDITION),
        channel=kw.pop("channel", ProposalItem.Channel.MUSYAWARAH),
        village_code=village,
        **kw,
    )
    obj.save()
    return obj
