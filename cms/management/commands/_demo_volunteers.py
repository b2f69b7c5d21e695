"""Demo volunteering for seed_demo: skills, twenty volunteers, relief tasks in several districts and
urgencies, and shifts over the next two weeks (some full with a waitlist, some needing approval).

Everything goes through volunteers.services, so the demo obeys the sign-up rules. Idempotent: a
task that exists is left as it is, with its shifts and sign-ups; a volunteer with a profile too.
"""

import datetime

from allauth.account.models import EmailAddress
from django.utils import timezone

from charity.models import Organization, Project, User
from volunteers import services
from volunteers.exceptions import VolunteerError
from volunteers.models import CertificateKind, ReliefTask, Skill, Urgency, VolunteerProfile

DEMO_VOLUNTEER_EMAIL = "volunteer@shanxin.example"

SKILLS = [
    ("cooking", "烹饪", "Cooking"),
    ("driving", "驾驶", "Driving"),
    ("tutoring", "课业辅导", "Tutoring"),
    ("elder-care", "助老陪护", "Elder care"),
    ("counselling", "心理陪伴", "Counselling"),
    ("logistics", "物资搬运与分拣", "Sorting and carrying supplies"),
    ("sign-language", "手语", "Sign language"),
    ("photography", "摄影记录", "Photography"),
    ("first-aid", "急救", "First aid"),
    ("translation", "翻译", "Translation"),
]

WEEKDAYS_DAYTIME = [{"weekday": day, "start": "09:00", "end": "18:00"} for day in range(5)]
WEEKENDS = [{"weekday": day, "start": "08:00", "end": "20:00"} for day in (5, 6)]
EVENINGS = [{"weekday": day, "start": "16:00", "end": "21:00"} for day in range(5)]
ALWAYS = [{"weekday": day, "start": "07:00", "end": "22:00"} for day in range(7)]

# email, display name, district, skills, certificates [(kind, days valid or None)], availability,
# max hours a week
VOLUNTEERS = [
    (
        DEMO_VOLUNTEER_EMAIL,
        "孙悦 Sun Yue",
        "110105",
        ["cooking", "elder-care", "logistics"],
        [(CertificateKind.FIRST_AID, 400)],
        [*WEEKDAYS_DAYTIME, *WEEKENDS],
        16,
    ),
    (
        "volunteer01@shanxin.example",
        "李明 Li Ming",
        "110101",
        ["logistics", "driving"],
        [(CertificateKind.DRIVER, None)],
        ALWAYS,
        20,
    ),
    (
        "volunteer02@shanxin.example",
        "王芳 Wang Fang",
        "110105",
        ["cooking", "elder-care"],
        [(CertificateKind.FOOD_SAFETY, 200)],
        WEEKDAYS_DAYTIME,
        12,
    ),
    (
        "volunteer03@shanxin.example",
        "张磊 Zhang Lei",
        "110108",
        ["logistics", "photography"],
        [],
        WEEKENDS,
        10,
    ),
    (
        "volunteer04@shanxin.example",
        "刘洁 Liu Jie",
        "110102",
        ["counselling"],
        [(CertificateKind.SOCIAL_WORKER, 700)],
        ALWAYS,
        20,
    ),
    ("volunteer05@shanxin.example", "陈浩 Chen Hao", "110101", ["logistics"], [], ALWAYS, 30),
    (
        "volunteer06@shanxin.example",
        "杨雪 Yang Xue",
        "110108",
        ["tutoring", "translation"],
        [],
        EVENINGS,
        8,
    ),
    (
        "volunteer07@shanxin.example",
        "赵鹏 Zhao Peng",
        "110105",
        ["cooking", "logistics"],
        [(CertificateKind.FIRST_AID, 30)],
        ALWAYS,
        25,
    ),
    (
        "volunteer08@shanxin.example",
        "黄丽 Huang Li",
        "110101",
        ["elder-care", "sign-language"],
        [(CertificateKind.SOCIAL_WORKER, 365)],
        WEEKDAYS_DAYTIME,
        15,
    ),
    (
        "volunteer09@shanxin.example",
        "周强 Zhou Qiang",
        "110102",
        ["driving", "logistics"],
        [(CertificateKind.DRIVER, 900), (CertificateKind.FIRST_AID, 5)],
        ALWAYS,
        20,
    ),
    ("volunteer10@shanxin.example", "吴婷 Wu Ting", "510107", ["tutoring"], [], EVENINGS, 10),
    (
        "volunteer11@shanxin.example",
        "徐杰 Xu Jie",
        "510107",
        ["tutoring", "photography"],
        [],
        [*EVENINGS, *WEEKENDS],
        12,
    ),
    (
        "volunteer12@shanxin.example",
        "孙丹 Sun Dan",
        "510104",
        ["counselling"],
        [(CertificateKind.PSYCHOLOGICAL, 500)],
        ALWAYS,
        16,
    ),
    (
        "volunteer13@shanxin.example",
        "马超 Ma Chao",
        "513401",
        ["driving", "logistics"],
        [(CertificateKind.DRIVER, None)],
        ALWAYS,
        30,
    ),
    (
        "volunteer14@shanxin.example",
        "胡敏 Hu Min",
        "510104",
        ["cooking"],
        [(CertificateKind.FOOD_SAFETY, 300)],
        WEEKDAYS_DAYTIME,
        10,
    ),
    (
        "volunteer15@shanxin.example",
        "郭亮 Guo Liang",
        "513401",
        ["logistics", "first-aid"],
        [(CertificateKind.FIRST_AID, 600)],
        ALWAYS,
        25,
    ),
    (
        "volunteer16@shanxin.example",
        "何静 He Jing",
        "510107",
        ["tutoring", "counselling"],
        [(CertificateKind.PSYCHOLOGICAL, 120)],
        EVENINGS,
        8,
    ),
    (
        "volunteer17@shanxin.example",
        "高翔 Gao Xiang",
        "510802",
        ["elder-care", "driving"],
        [(CertificateKind.DRIVER, 800)],
        ALWAYS,
        20,
    ),
    (
        "volunteer18@shanxin.example",
        "林悦 Lin Yue",
        "510104",
        ["translation", "photography"],
        [],
        WEEKENDS,
        6,
    ),
    (
        "volunteer19@shanxin.example",
        "罗斌 Luo Bin",
        "110105",
        ["logistics", "cooking"],
        [(CertificateKind.FOOD_SAFETY, 180)],
        [*WEEKDAYS_DAYTIME, *WEEKENDS],
        20,
    ),
]

# organization slug, project title (or None), title, description, place, district, urgency,
# required skills, required certificates, the first shift's local start (days from today, "HH:MM"),
# hours, how many days, every n days, places, needs approval, who signs up (indexes into
# VOLUNTEERS) for the first shift
TASKS = [
    (
        "sunshine-community",
        "特困老人助餐计划",
        "助餐送餐上门",
        "在社区食堂打包午餐，送到行动不便的特困和独居老人家中，顺便问问老人身体情况。",
        "朝阳区 和平街社区食堂",
        "110105",
        Urgency.HIGH,
        ["cooking"],
        [],
        (1, "10:30"),
        2.5,
        14,
        1,
        4,
        False,
        [0, 2, 7, 19],
    ),
    (
        "sunshine-community",
        "低保家庭冬季取暖补助",
        "入户核实困难家庭",
        "与街道社工一起入户，核实申请取暖补助的家庭情况并登记。需持证社工。",
        "东城区 和平里街道社工站",
        "110101",
        Urgency.NORMAL,
        [],
        [CertificateKind.SOCIAL_WORKER],
        (2, "14:00"),
        3,
        14,
        2,
        3,
        True,
        [4, 8],
    ),
    (
        "sunshine-community",
        "孤儿助学金",
        "冬衣分拣与打包",
        "把社会捐赠的冬衣按尺码分拣、打包，送往助学金资助的孩子们。",
        "海淀区 学院路仓库 2 号门",
        "110108",
        Urgency.NORMAL,
        ["logistics"],
        [],
        (2, "14:00"),
        3,
        14,
        3,
        3,
        False,
        [3, 5, 19, 0, 1],
    ),
    (
        "sunshine-community",
        None,
        "社区应急物资清点",
        "寒潮预警：清点和转运社区应急储备点的棉被、取暖器和食品。",
        "西城区 德胜街道应急储备点",
        "110102",
        Urgency.CRITICAL,
        ["logistics"],
        [CertificateKind.FIRST_AID],
        (1, "13:00"),
        4,
        5,
        1,
        6,
        False,
        [9, 7],
    ),
    (
        "mountain-children",
        "大山里的课后书屋",
        "山区书屋图书配送",
        "驾车把募集的图书送到凉山村小的课后书屋，山路较远，需驾驶证。",
        "凉山州 西昌市 书屋物资中转站",
        "513401",
        Urgency.CRITICAL,
        ["driving"],
        [CertificateKind.DRIVER],
        (3, "08:00"),
        8,
        14,
        4,
        2,
        False,
        [13, 1],
    ),
    (
        "mountain-children",
        "留守儿童营养午餐",
        "放学后作业辅导",
        "陪留守儿童写作业、读绘本。每次两小时，欢迎大学生。",
        "成都市 武侯区 玉林社区儿童之家",
        "510107",
        Urgency.NORMAL,
        ["tutoring"],
        [],
        (1, "16:30"),
        2,
        14,
        1,
        3,
        False,
        [10, 11, 16],
    ),
    (
        "mountain-children",
        "困境儿童心理陪伴",
        "儿童心理陪伴小组",
        "在专业督导下带领困境儿童的小组活动。需心理咨询资质，报名需协调员审核。",
        "成都市 锦江区 儿童服务中心",
        "510104",
        Urgency.HIGH,
        ["counselling"],
        [CertificateKind.PSYCHOLOGICAL],
        (2, "14:30"),
        2,
        14,
        7,
        2,
        True,
        [12],
    ),
    (
        "mountain-children",
        "留守老人上门探访",
        "留守老人上门探访",
        "两人一组上门探访独居留守老人，陪聊、打扫、检查用电安全。报名需协调员审核。",
        "广元市 利州区 东坝街道",
        "510802",
        Urgency.NORMAL,
        ["elder-care"],
        [],
        (4, "09:30"),
        3,
        14,
        2,
        4,
        True,
        [17, 0],
    ),
]


def _user(email: str, name: str, password: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, display_name=name)
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def _skills() -> None:
    for code, name_zh, name_en in SKILLS:
        Skill.objects.get_or_create(code=code, defaults={"name_zh": name_zh, "name_en": name_en})


def _volunteer(spec, *, password: str, index: int) -> User:
    email, name, district, skills, certificates, availability, max_hours = spec
    user = _user(email, name, password)
    if VolunteerProfile.objects.filter(user=user).exists():
        return user
    services.volunteer_profile_save(
        actor=user,
        consent=True,
        skills=skills,
        phone=f"1380013{index:04d}",
        district=district,
        languages=["zh", "en"] if index % 3 == 0 else ["zh"],
        availability=availability,
        max_hours_per_week=max_hours,
        emergency_contact_name="家属 Family",
        emergency_contact_phone=f"1390013{index:04d}",
        open_to_placement=index % 2 == 0,
    )
    today = timezone.localdate()
    for number, (kind, days_valid) in enumerate(certificates):
        services.volunteer_certificate_add(
            actor=user,
            kind=kind,
            number=f"{kind[:2].upper()}-{index:03d}{number}",
            expires_on=None if days_valid is None else today + datetime.timedelta(days=days_valid),
        )
    return user


def _coordinator(organization: Organization) -> User:
    # The organization's coordinator if it has one, else its owner (who holds every action).
    membership = organization.memberships.filter(role__in=["coordinator", "owner"]).order_by("role")
    return membership.select_related("user").first().user


def _task(spec, *, organizations, volunteers) -> int:
    (
        slug,
        project_title,
        title,
        description,
        place,
        district,
        urgency,
        skills,
        certificates,
        (days, time),
        hours,
        span,
        every,
        capacity,
        approval,
        sign_ups,
    ) = spec
    organization = organizations[slug]
    if ReliefTask.objects.filter(organization=organization, title=title).exists():
        return 0
    actor = _coordinator(organization)
    project = (
        Project.objects.filter(organization=organization, title=project_title).first()
        if project_title
        else None
    )
    task = services.relief_task_create(
        actor=actor,
        organization=organization,
        required_skills=skills,
        project=project,
        title=title,
        description=description,
        place=place,
        district=district,
        urgency=urgency,
        required_certificates=certificates,
    )
    hour, minute = map(int, time.split(":"))
    local_day = timezone.localdate() + datetime.timedelta(days=days)
    first_start = datetime.datetime.combine(
        local_day, datetime.time(hour, minute), tzinfo=services.PLATFORM_ZONE
    )
    shifts = services.shift_create_series(
        actor=actor,
        task=task,
        first_start=first_start,
        duration=datetime.timedelta(hours=hours),
        days=span,
        every_n_days=every,
        capacity=capacity,
        minimum=min(2, capacity),
        requires_approval=approval,
        cancel_cutoff_hours=12,
        coordinator=actor,
    )
    signed = 0
    # The first shift gets its listed volunteers (beyond capacity: a waitlist), the second
    # half of them; the rest stay open.
    for shift, people in ((shifts[0], sign_ups), (shifts[1], sign_ups[: len(sign_ups) // 2])):
        for index in people:
            try:
                services.shift_signup_create(actor=volunteers[index], shift=shift)
            except VolunteerError:
                continue  # e.g. an overlap with another demo shift: the rules hold in the demo too
            signed += 1
    return signed


def seed_volunteers(*, organizations: dict[str, Organization], password: str) -> int:
    """Skills, volunteers, tasks, shifts and sign-ups. Returns how many sign-ups were made."""
    _skills()
    volunteers = [
        _volunteer(spec, password=password, index=index) for index, spec in enumerate(VOLUNTEERS)
    ]
    return sum(_task(spec, organizations=organizations, volunteers=volunteers) for spec in TASKS)
