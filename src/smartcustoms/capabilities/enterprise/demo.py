"""Demo enterprises around Ningbo, Shanghai and Shenyang, their credit histories and three enterprise-side users.
Idempotent: enterprises are matched on USCC, users on user name; what exists is left alone.

The companies are invented. Their USCCs carry a correct check character (GB 32100) and an organisation code
with a correct GB 11714 check digit; customs codes start with the registering office."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from smartcustoms.capabilities.enterprise import services
from smartcustoms.capabilities.enterprise.commands import ChangeCreditGrade, RegisterEnterprise
from smartcustoms.capabilities.enterprise.queries import find_by_code
from smartcustoms.kernel.codes import uscc_check_character
from smartcustoms.platform.audit import Actor
from smartcustoms.platform.identity.model import Principal, Role
from smartcustoms.platform.identity.services import NewUser, do_create_user
from smartcustoms.platform.identity.tables import users
from smartcustoms.platform.runtime import Runtime

DEMO_PASSWORD = "demo-pass-2026"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def org_code(first8: str) -> str:
    """GB 11714 organisation code: 8 characters and a check character."""
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return first8 + {10: "X", 11: "0"}.get(check, str(check))


def make_uscc(division: str, first8: str) -> str:
    """91 (market regulator, enterprise) + 6-digit administrative division + organisation code + check."""
    first17 = "91" + division + org_code(first8)
    return first17 + uscc_check_character(first17)


# (key, division, org code digits, customs code, kind, office, zh, en, address, registered, grades after)
ENTERPRISES: list[tuple[str, str, str, str, str, str, str, str, str, date, list[tuple[str, date, str]]]] = [
    ("yonggang", "330206", "71234561", "3104961001", "trader", "3104", "宁波甬港精密机械有限公司",
     "Ningbo Yonggang Precision Machinery Co., Ltd.", "浙江省宁波市北仑区新碶街道明州路 88 号", date(2012, 3, 15),
     [("general_certified", date(2016, 7, 1), "一般认证通过"), ("advanced_certified", date(2021, 11, 1),
                                                                "高级认证(AEO)通过")]),
    ("donghai", "330206", "71234572", "3104961002", "trader", "3104", "宁波东海家电制造有限公司",
     "Ningbo Donghai Home Appliance Manufacturing Co., Ltd.", "浙江省宁波市北仑区大碶街道庐山西路 16 号",
     date(2015, 9, 8), [("general_certified", date(2019, 4, 18), "一般认证通过")]),
    ("yuanyang", "330203", "71234583", "3105961003", "trader", "3105", "宁波远洋纺织进出口有限公司",
     "Ningbo Yuanyang Textile Import & Export Co., Ltd.", "浙江省宁波市海曙区中山西路 210 号", date(2017, 5, 22), []),
    ("yongtong", "330206", "71234594", "3104980004", "broker", "3104", "宁波甬通报关有限公司",
     "Ningbo Yongtong Customs Brokerage Co., Ltd.", "浙江省宁波市北仑区通达路 5 号", date(2010, 1, 12),
     [("advanced_certified", date(2018, 10, 9), "高级认证(AEO)通过")]),
    ("meishan", "330206", "71234605", "3106961005", "ecommerce", "3106", "宁波梅山跨境电子商务有限公司",
     "Ningbo Meishan Cross-border E-commerce Co., Ltd.", "浙江省宁波市北仑区梅山七星路 66 号", date(2020, 8, 3), []),
    ("gangtong", "330206", "71234616", "3104971006", "logistics", "3104", "宁波北仑港通国际物流有限公司",
     "Ningbo Beilun Gangtong International Logistics Co., Ltd.", "浙江省宁波市北仑区港城路 2 号", date(2011, 6, 30),
     [("advanced_certified", date(2019, 12, 20), "高级认证(AEO)通过")]),
    ("pujiang", "310115", "72345617", "2201961007", "trader", "2201", "上海浦江电子科技有限公司",
     "Shanghai Pujiang Electronics Technology Co., Ltd.", "上海市浦东新区张江路 1000 号", date(2009, 4, 1),
     [("general_certified", date(2014, 12, 1), "一般认证通过"), ("advanced_certified", date(2020, 6, 15),
                                                                "高级认证(AEO)通过")]),
    ("yangshan", "310115", "72345628", "2248971008", "logistics", "2248", "上海洋山国际物流有限公司",
     "Shanghai Yangshan International Logistics Co., Ltd.", "上海市浦东新区临港新片区申港大道 99 号", date(2016, 2, 25),
     []),
    ("huguantong", "310115", "72345639", "2201980009", "broker", "2201", "上海沪关通报关有限公司",
     "Shanghai Huguantong Customs Brokerage Co., Ltd.", "上海市浦东新区外高桥基隆路 8 号", date(2013, 11, 11),
     [("general_certified", date(2018, 5, 2), "一般认证通过")]),
    ("xinlong", "310112", "72345640", "2202961010", "trader", "2202", "上海鑫隆化工贸易有限公司",
     "Shanghai Xinlong Chemical Trading Co., Ltd.", "上海市闵行区莘庄工业区春东路 18 号", date(2014, 7, 7),
     [("untrustworthy", date(2025, 9, 1), "走私行为受到行政处罚(示例)")]),
    ("beifang", "210106", "73456751", "0803961011", "trader", "0803", "沈阳北方重型装备进出口有限公司",
     "Shenyang Beifang Heavy Equipment Import & Export Co., Ltd.", "辽宁省沈阳市铁西区北一中路 12 号",
     date(2008, 10, 20), []),
    ("shengjing", "210112", "73456762", "0802980012", "broker", "0802", "沈阳盛京报关代理有限公司",
     "Shenyang Shengjing Customs Brokerage Co., Ltd.", "辽宁省沈阳市浑南区桃仙街道机场路 3 号", date(2018, 3, 1), []),
]

# user name, display name, role, enterprise key
USERS = [
    ("yonggang_user", "甬港精密 报关主管", Role.ENTERPRISE_USER, "yonggang"),
    ("pujiang_user", "浦江电子 关务专员", Role.ENTERPRISE_USER, "pujiang"),
    ("yongtong_broker", "甬通报关 报关员", Role.BROKER, "yongtong"),
]

_DEMO_ADMIN = Principal(user_id="system", username="demo-loader", display_name="demo loader",
                        roles=frozenset({Role.ADMIN}))


def load_demo(runtime: Runtime) -> None:
    ids: dict[str, str] = {}
    for key, division, org8, customs_code, kind, office, zh, en, address, registered, grades in ENTERPRISES:
        uscc = make_uscc(division, org8)
        with runtime.engine.connect() as conn:
            existing = find_by_code(conn, uscc)
        if existing is not None:
            ids[key] = existing.id
            continue
        ids[key] = services.do_register(runtime, _DEMO_ADMIN, RegisterEnterprise(
            uscc=uscc, customs_code=customs_code, name_zh=zh, name_en=en, kind=kind, registered_customs=office,
            address=address, credit_grade="general", registered_on=registered))
        for grade, effective_from, reason in grades:
            services.do_change_grade(runtime, _DEMO_ADMIN, ChangeCreditGrade(ids[key], grade, effective_from, reason))
    for username, display, role, key in USERS:
        with runtime.engine.connect() as conn:
            if conn.execute(select(users.c.id).where(users.c.username == username)).first():
                continue
        with runtime.uow(Actor.system("demo")) as uow:
            do_create_user(uow, NewUser(username, display, DEMO_PASSWORD, frozenset({role}), enterprise_id=ids[key]))
            uow.commit()
