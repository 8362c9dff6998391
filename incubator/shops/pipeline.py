"""The default onboarding pipeline a site starts with. Staff can rename,
reorder, add and configure stages afterwards; the texts are stored in both
languages with each stage."""

# key, zh, en, target days, evidence (zh, en) or None, checklist [(zh, en)]
DEFAULT_STAGES = [
    ("applied", "已申请", "Applied", 5, None, [
        ("与店主电话联系，约好第一次见面", "Call the owner and agree a first meeting"),
        ("了解店铺现在怎么卖、需要哪些帮助", "Learn how the shop sells today and what help it wants"),
    ]),
    ("verified", "已核验（营业执照）", "Verified (business licence checked)", 7,
     ("营业执照照片", "Photo of the business licence"), [
        ("核对营业执照原件", "Check the original business licence"),
        ("确认经营地址在社区范围内", "Confirm the shop's address is in the zone"),
    ]),
    ("positioning", "定位", "Positioning", 14, None, [
        ("确定目标顾客", "Choose the customers to aim at"),
        ("选定主推的商品品类", "Choose the product categories to lead with"),
    ]),
    ("channel", "开通渠道", "Channel set up", 14, ("店铺链接", "Link to the store"), [
        ("在选定的平台开通店铺账号", "Open the store account on the chosen platform"),
        ("完成店铺认证和收款设置", "Finish the store's verification and payment set-up"),
    ]),
    ("first_livestream", "首场直播", "First livestream", 14, None, [
        ("预约直播间和设备", "Book a studio and a kit"),
        ("写好首场直播的脚本", "Write the script of the first livestream"),
        ("完成首场直播", "Host the first livestream"),
    ]),
    ("first_sale", "首单成交", "First sale", 30, None, [
        ("每周至少直播一次并记录成果", "Livestream at least once a week and log the results"),
        ("复盘第一个月的数据，定下一步目标", "Review the first month's figures and set the next goal"),
    ]),
    ("incubated", "孵化完成", "Incubated", None, None, []),
]
