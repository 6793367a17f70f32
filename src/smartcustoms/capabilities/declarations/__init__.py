"""Declarations (报关单) and manifests (舱单): submission, validation, the clearance lifecycle, screening,
release and the clearance timestamps of the WCO Time Release Study.

Glossary (中文 ↔ English ↔ identifier):

    报关单               ↔ goods declaration            ↔ Declaration (table ``declarations``)
    海关编号 / 报关单号   ↔ declaration number (18 digits) ↔ Declaration.number
    进出口标志           ↔ direction, I import / E export ↔ Declaration.direction
    申报地海关           ↔ declaring customs office     ↔ Declaration.customs_code
    进出境关别           ↔ port of entry/exit           ↔ Declaration.port_code
    境内收发货人         ↔ trader (consignee/consignor)  ↔ Declaration.trader_id / trader_code
    消费使用单位/生产销售单位 ↔ owner                   ↔ Declaration.owner_id
    申报单位             ↔ declaring agent (broker)     ↔ Declaration.agent_id
    监管方式             ↔ supervision (trade) mode     ↔ Declaration.trade_mode
    运输方式 / 运输工具名称 ↔ transport mode / name      ↔ transport_mode / transport_name
    提运单号             ↔ bill of lading / waybill no. ↔ Declaration.bill_no
    贸易国 / 启运国 / 运抵国 ↔ trade / departure / destination country ↔ trade_country / departure_country /
                                                       destination_country
    成交方式             ↔ transaction terms            ↔ Declaration.terms
    毛重 / 净重 / 件数    ↔ gross / net weight / packages ↔ gross_weight / net_weight / packages
    商品项               ↔ goods item                   ↔ GoodsItem
    商品编码             ↔ commodity code (10 digits)   ↔ GoodsItem.hs_code
    商品名称 / 规格型号   ↔ goods name / specification    ↔ GoodsItem.name / spec
    成交数量 / 法定数量   ↔ declared / legal quantity     ↔ GoodsItem.quantity / legal_quantity (Quantity)
    单价 / 总价 / 币制    ↔ unit price / total / currency ↔ unit_price / total / currency
    原产国 / 最终目的国   ↔ origin / destination country  ↔ origin_country / destination_country
    申报 / 接受申报       ↔ declared / accepted           ↔ Status.DECLARED / Status.ACCEPTED
    风险甄别 / 通道       ↔ screening / channel           ↔ Screener, Channel.RELEASE / Channel.INSPECTION
    布控查验 / 查验结果   ↔ inspection ordered / inspected ↔ Status.INSPECTION_ORDERED / Status.INSPECTED
    放行 / 扣留 / 结关    ↔ released / held / closed      ↔ Status.RELEASED / HELD / CLOSED
    通关时间             ↔ clearance time               ↔ declared_at … released_at
    舱单 / 提运单 / 集装箱 ↔ manifest / bill / container   ↔ Manifest / ManifestBill / container numbers
    随附单证             ↔ paperless attachment         ↔ Attachment (kinds invoice, packing_list, contract,
                                                       bill_of_lading)
"""
