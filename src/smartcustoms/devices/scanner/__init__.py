"""Container scanner simulator and image codec (集装箱机检 H986 模拟器).

Glossary: 高能图像 high-energy image ``ScanImage.high``; 低能图像 low-energy image ``ScanImage.low``;
透射率 transmission T = I/I0; 衰减 α = −ln T; 双能比 dual-energy ratio R = α_L/α_H; 货物 goods ``GoodsKind``;
夹藏物 concealed object ``Concealment``; 申报不符 declared-vs-actual mismatch; 伪彩色 pseudo-colour.
Pure: numpy and the standard library only."""
