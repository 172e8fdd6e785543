"""Air-quality monitoring data (空气质量监测数据): station lists and the national archive format. Pure."""
