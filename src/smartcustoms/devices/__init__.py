"""Pure device protocol codecs and simulators (设备协议): JT/T 808, e-seals, OCR events, scanners, instruments.
Imports the kernel only."""
