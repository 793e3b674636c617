"""How well tips are linked to the matters and units they concern.

Builds the demo province's units and a ledger of matters with tasks in a scratch
SQLite database, writes tips about known matters the way people write them (in
Chinese, in their own words, with place names shortened or left out, and with
noise), links each tip, and prints top-1 and top-3 accuracy of the matter link
and of the unit link.

The tip writer knows only the matters, the units and everyday phrasing; it never
looks at how the linker works.

    .venv/bin/python bench/tip_linking.py [--tips-per-matter N] [--seed S]
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from core.db import Base, make_engine
from core.demo.province import UNITS, build_units
from core.ledger.models import Matter, MatterKind, Task
from core.plugins import make_plugin_manager

# title, [(lead unit code, task text)], how people describe the problem in their own words
LEDGER: list[tuple[str, list[tuple[str, str]], list[str]]] = [
    ("2024年城镇老旧小区改造", [
        ("990102", "完成东湖街道等12个老旧小区改造，更新供水管网并加装电梯"),
        ("990202", "完成城关区8个老旧小区外墙保温和管网改造"),
        ("990100-ZJJ", "统筹全市老旧小区改造项目资金拨付")],
     ["我们小区说好的加装电梯到现在也没动工", "楼里的旧水管换新工程停了三个月", "小区翻新改造拖拖拉拉，外墙刷了一半就走了",
      "老楼改造的钱据说早拨了，工地却一直没人"]),
    ("农村黑臭水体治理攻坚", [
        ("990121", "完成松林县15条农村黑臭水体整治"),
        ("990221", "完成白河县沿河村庄污水截流和黑臭水体治理")],
     ["村口那条河又黑又臭，夏天根本没法走", "河沟里污水直排，治理了两年还是老样子", "村里的臭水塘整治一直没人来做",
      "生活污水往小河里排，鱼都死光了"]),
    ("农村饮水安全巩固提升工程", [
        ("990321", "完成高峰县茶园乡等山区集中供水工程"),
        ("990222", "完成石桥县农村供水管网改造")],
     ["山上几个村子自来水三天两头停", "村里的水龙头放出来是黄水，饮水工程修了一半", "吃水难的问题反映很多次了还没解决",
      "集中供水站建好了一直没通水"]),
    ("压缩企业开办时间至1个工作日", [
        ("990000-FGW", "推动企业开办全流程一网通办，时限压缩至1个工作日"),
        ("990302", "云中区政务服务中心设立企业开办专窗")],
     ["注册一个公司跑了五趟还没办下执照", "开办企业窗口让我们来回补材料，一个多星期都没办完", "办营业执照说一天办结，实际要等半个月",
      "公司登记刻章银行开户分开跑，效率太低"]),
    ("惠民惠农财政补贴资金一卡通发放", [
        ("990221", "白河县完成惠民惠农补贴一卡通清理整治"),
        ("990121", "松林县按时足额发放耕地地力保护补贴")],
     ["种粮补贴到现在还没打到卡上", "村干部把我们的补贴卡收走了不还", "补贴款发放金额和公示的对不上",
      "一卡通里的钱被扣了一部分，问谁都说不清"]),
    ("高标准农田建设任务", [
        ("990121", "松林县新建高标准农田3万亩"),
        ("990321", "高峰县完成高标准农田建设2万亩并通过验收")],
     ["农田改造的水渠修完就裂了", "说是高标准农田，机耕路修了一半就不管了", "田里的灌溉设施建了没法用，钱花哪去了",
      "土地平整工程质量太差，雨一下全冲坏了"]),
    ("根治拖欠农民工工资", [
        ("990102", "河东区开展工程建设领域欠薪问题专项排查"),
        ("990302", "云中区落实农民工工资专用账户制度")],
     ["干了一年活工钱一分没拿到，老板跑了", "工地拖欠我们十几个工人的工资，去劳动监察也没人管", "包工头说开发商不给钱，我们的血汗钱要不回来",
      "年底了工资还欠着，讨薪无门"]),
    ("城乡居民基本医疗保险参保扩面", [
        ("990202", "城关区城乡居民医保参保率达到95%以上"),
        ("990222", "石桥县完成困难群众参保资助")],
     ["低保户的医保资助今年没有落实", "给老人交医保在网上交不了，窗口又说不归他们管", "看病报销比例和说好的不一样",
      "贫困户参保的补助被取消了没人解释"]),
    ("新建改扩建公办幼儿园", [
        ("990103", "河西区新建公办幼儿园4所，新增学位1200个"),
        ("990302", "云中区改扩建公办幼儿园3所")],
     ["孩子上公办幼儿园排不上号，新园盖好了一直不开", "说好的普惠幼儿园到现在还是一片空地", "家门口的幼儿园建了两年还没招生",
      "公办园学位太少，私立园太贵上不起"]),
    ("秸秆禁烧和大气污染防治", [
        ("990000-STT", "全省开展秋冬季秸秆禁烧巡查"),
        ("990221", "白河县落实秸秆综合利用和禁烧网格化管理")],
     ["晚上到处烧秸秆，烟大得睁不开眼", "地里焚烧麦秆没人管，空气呛得人咳嗽", "禁烧只是喊口号，收割完照样一片火",
      "秸秆回收点没建起来，农户只能烧掉"]),
    ("保障性租赁住房筹集建设", [
        ("990100-ZJJ", "青山市筹集保障性租赁住房5000套"),
        ("990202", "城关区新建保障性租赁住房项目2个")],
     ["申请公租房排了三年还没轮到", "保障房建好了却一直空着不分配", "新市民租房补贴申请材料太复杂，交了也没回音",
      "廉租房分配不公开，有关系的先住进去"]),
    ("四好农村路建设", [
        ("990321", "高峰县新改建农村公路120公里"),
        ("990222", "石桥县完成通村公路危桥改造")],
     ["进村的水泥路修了一半就停了，下雨全是泥", "村道坑坑洼洼，车都开不进来", "村里的危桥说要修，拖了两年没动静",
      "公路刚修好就到处开裂，质量有问题"]),
    ("政务服务事项一网通办", [
        ("990000-FGW", "省级政务服务事项网上可办率达到95%"),
        ("990103", "河西区推进政务服务事项就近可办")],
     ["网上办事系统老是登录不上，最后还得去窗口", "说好的网上办，结果还要交纸质材料跑现场", "政务服务网填完信息提交就报错",
      "办个证件在网上和窗口来回跑好几次"]),
    ("清理拖欠中小企业账款", [
        ("990000-FGW", "全省开展拖欠中小企业账款清理"),
        ("990102", "河东区限期清偿政府部门拖欠企业款项")],
     ["政府工程款欠了我们公司三年不还", "给街道做的项目验收了钱一直不付", "我们小企业被拖欠货款快撑不下去了",
      "机关单位欠账不还，催款就说没有预算"]),
    ("社区居家养老服务中心建设", [
        ("990102", "河东区建成社区居家养老服务中心10个"),
        ("990302", "云中区完善老年助餐服务网络")],
     ["社区养老中心挂了牌子从来没开过门", "老年食堂开了一个月就关了", "说是给老人提供助餐服务，实际上根本找不到地方",
      "养老驿站建好了一直锁着，老人没地方去"]),
    ("城市生活垃圾分类", [
        ("990103", "河西区实现生活垃圾分类小区全覆盖"),
        ("990202", "城关区建设垃圾分类收运体系")],
     ["小区垃圾分类了，清运车来了又混在一起拉走", "垃圾桶满了好几天都没人清", "分类垃圾箱摆了几个就不管了",
      "垃圾站臭气熏天，夏天苍蝇成群"]),
    ("违法建设专项整治", [
        ("990103", "河西区拆除存量违法建设5万平方米"),
        ("990302", "云中区开展违建别墅清查整治")],
     ["楼顶私搭乱建的房子举报了好几次也没拆", "有人在绿地上盖房子，城管来看了一眼就走了", "小区一楼住户私自扩建占了公共通道",
      "违章搭建越来越多，整治就是走个过场"]),
    ("耕地保护和制止耕地非农化", [
        ("990121", "松林县开展乱占耕地建房专项整治"),
        ("990222", "石桥县落实耕地保护田长制")],
     ["村里有人在基本农田上盖厂房", "好好的庄稼地被挖了建停车场", "占用耕地建房没人管，地越来越少",
      "农田里堆满了建筑垃圾，田都种不了了"]),
    ("病险水库除险加固", [
        ("990221", "白河县完成小型病险水库除险加固6座"),
        ("990321", "高峰县完成山塘水库安全鉴定")],
     ["村上面的水库大坝有裂缝，下大雨很危险", "水库加固工程做了一半就撤了", "汛期快到了，水库还没修好，住在下游的人心里发慌",
      "水库放水闸坏了很久没人修"]),
    ("规范校外培训机构", [
        ("990000-JYT", "全省开展校外培训机构专项治理"),
        ("990103", "河西区查处违规学科类培训")],
     ["培训班还在偷偷补课，周末孩子照样上课", "机构预收了一年学费就关门跑路了", "学科类补习换了个名字继续开",
      "培训机构退费难，交的钱要不回来"]),
    ("城镇燃气管道老化更新改造", [
        ("990100-ZJJ", "青山市完成老化燃气管道更新改造80公里"),
        ("990202", "城关区完成燃气立管和户内设施改造")],
     ["楼里天然气管子锈得厉害，闻到过几次气味", "燃气管道改造通知了半年没人来施工", "老旧燃气管漏气，报修好几次都没处理",
      "换燃气表和管线要我们自己掏钱，不是说政府出吗"]),
    ("高校毕业生就业帮扶", [
        ("990302", "云中区开发就业见习岗位500个"),
        ("990202", "城关区落实吸纳高校毕业生社保补贴")],
     ["申请的就业补贴半年了还没发", "说好的见习岗位名额根本报不上", "企业招了大学生，社保补贴一直领不到",
      "毕业找工作登记了失业，没人联系过我"]),
    ("农村卫生厕所改造", [
        ("990321", "高峰县完成农村户厕改造3000户"),
        ("990121", "松林县建成农村公共厕所40座")],
     ["村里改的厕所没法冲水，建了等于白建", "旱厕改造只挖了坑就不管了", "公共厕所建好了一直锁着门",
      "改厕补助款我们家到现在没收到"]),
    ("中小学校食堂食品安全", [
        ("990000-JYT", "全省中小学校食堂食品安全专项检查"),
        ("990102", "河东区推进中小学校食堂明厨亮灶")],
     ["学校食堂饭菜里吃出了虫子", "孩子在学校吃饭后好几个人拉肚子", "食堂的菜不新鲜，家长提意见没人理",
      "学校营养餐分量越来越少，钱却没少收"]),
    ("乡镇卫生院服务能力提升", [
        ("990221001", "柳营镇卫生院完成标准化改造"),
        ("990321001", "茶园乡卫生院配齐医生和设备")],
     ["镇上卫生院连个医生都找不到", "卫生院的新设备一直放着不用", "看个小病还得跑到县里，乡里卫生院形同虚设",
      "卫生院晚上没人值班，急病没地方看"]),
]

COMPLAINTS = [
    "{place}{problem}，希望有关部门尽快处理。",
    "反映一个问题：{problem}。地点在{place}。",
    "{problem}！{place}的老百姓意见很大。",
    "我是{place}的居民，{problem}，打了热线也没用。",
    "{place}：{problem}，请督查部门来看看。",
    "{problem}。",
    "网友爆料，{place}{problem}，记者前去了解情况。",
]
NOISE = [
    "已经反映过很多次了。", "麻烦领导重视一下。", "附上照片。", "大家都很着急。", "去年也出现过这种情况。",
    "我姓张，电话就不留了。", "天气越来越热了。", "听说别的地方早就弄好了。", "谢谢！！", "此事拖了很久。",
]


def place_names(code: str, names: dict[str, str], children: dict[str, list[str]], rng: random.Random) -> str:
    """How a person names where something happened: the county, a shorter form, a town in it, or nothing."""
    name = names[code].replace("人民政府", "").replace("办事处", "")
    if code.count("-"):  # a department: people name the city instead, or nothing
        return rng.choice(["", "我们这里", ""])
    options = [name, name, name[:-1] if name.endswith(("区", "县")) else name, ""]
    towns = [names[c].replace("人民政府", "").replace("办事处", "").removeprefix(name)
             for c in children.get(code, ())]
    if towns:
        options.append(name + rng.choice(towns))
        options.append(rng.choice(towns))
    return rng.choice(options)


def write_tip(problem: str, place: str, rng: random.Random) -> str:
    text = rng.choice(COMPLAINTS).format(place=place, problem=problem)
    for _ in range(rng.randint(0, 2)):
        text += rng.choice(NOISE)
    if rng.random() < 0.3:  # a slip of the keyboard: one character dropped
        cut = rng.randrange(len(text))
        text = text[:cut] + text[cut + 1:]
    return text


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tips-per-matter", type=int, default=8)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    make_plugin_manager()
    from sqlalchemy.orm import Session

    import core.models  # noqa: F401
    from core.linking import LinkIndex

    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine("sqlite:///" + os.path.join(scratch, "bench.sqlite"))
        Base.metadata.create_all(engine)
        with Session(engine) as session:
            units = build_units(session)
            names = {code: unit.name for code, unit in units.items()}
            children: dict[str, list[str]] = {}
            for code, _name, _level, _region, parent in UNITS:
                if parent and units[code].level.value == "town":
                    children.setdefault(parent, []).append(code)
            cases: list[tuple[str, int, int]] = []
            for number, (title, tasks, problems) in enumerate(LEDGER, start=1):
                matter = Matter(code=f"B-{number:03d}", title=title, kind=MatterKind.work_report,
                                owner_unit_id=units["990000-DCS"].id)
                session.add(matter)
                session.flush()
                for unit_code, description in tasks:
                    session.add(Task(matter_id=matter.id, unit_id=units[unit_code].id, description=description,
                                     deadline=date(2026, 12, 31)))
                for _ in range(args.tips_per_matter):
                    unit_code, _task = rng.choice(tasks)
                    text = write_tip(rng.choice(problems), place_names(unit_code, names, children, rng), rng)
                    cases.append((text, matter.id, units[unit_code].id))
            session.flush()
            started = time.perf_counter()
            index = LinkIndex.build(session)
            built = time.perf_counter() - started
            hits = {"matter1": 0, "matter3": 0, "unit1": 0, "unit3": 0}
            started = time.perf_counter()
            for text, matter_id, unit_id in cases:
                result = index.link(text, limit=3)
                matter_ids = [c.id for c in result.matters]
                unit_ids = [c.id for c in result.units]
                hits["matter1"] += matter_ids[:1] == [matter_id]
                hits["matter3"] += matter_id in matter_ids
                hits["unit1"] += unit_ids[:1] == [unit_id]
                hits["unit3"] += unit_id in unit_ids
            per_tip = (time.perf_counter() - started) / len(cases)
    total = len(cases)
    print(f"matters: {len(LEDGER)}  units: {len(UNITS)}  tips: {total}  seed: {args.seed}")
    print(f"index built in {built:.2f} s; {per_tip * 1000:.1f} ms per tip")
    print(f"matter link  top-1 accuracy: {hits['matter1'] / total:.3f}   top-3 accuracy: {hits['matter3'] / total:.3f}")
    print(f"unit link    top-1 accuracy: {hits['unit1'] / total:.3f}   top-3 accuracy: {hits['unit3'] / total:.3f}")


if __name__ == "__main__":
    main()
