"""Cargo scan analysis (智能审图): material decomposition (物质识别), concealed-object detection (夹藏物检测)
with a heat map (热力图), declared-goods consistency (品名一致性) against a goods library (典型商品库) and filed
reference scans (企业备案参考图), empty-container verification (空箱核验) and solid-waste recognition (固废识别).
Pure estimators with the scikit-learn contract, trained on simulated scans; versioned artefacts with a model card."""
