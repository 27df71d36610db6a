// The boundary tab's texts (admin.geo.*): the upload, its report and the server's refusals by code.
const zh = {
  file: 'GeoJSON 文件',
  hint: '上传全县乡镇边界（GeoJSON 的 Feature 或 FeatureCollection，Polygon / MultiPolygon 均可）。按编码或名称与系统中的乡镇对应；过大的文件会自动简化。',
  read: '文件含 {n} 个要素，属性：{props}',
  codeProperty: '编码属性', nameProperty: '名称属性', none: '（不使用）',
  fit: '地图范围', fitMain: '不含远离主体的飞地、海岛', fitAll: '包含全部',
  upload: '上传', uploading: '上传中…', done: '边界已更新（版本 {v}），大屏将自动重绘。',
  matched: '已匹配 {n} 个乡镇', unmatched: '{n} 个要素未匹配', missing: '{n} 个乡镇没有边界',
  byCode: '按编码', byName: '按名称', feature: '要素', township: '乡镇', code: '编码', name: '名称', reason: '原因',
  simplified: '已简化：{before} → {after} 个顶点', notSimplified: '共 {n} 个顶点，无需简化',
  outliers: '{n} 处远离主体的部分（如海岛、飞地）不参与地图缩放：{list}',
  reasons: {
    no_code_or_name: '没有编码或名称', unknown_code: '编码不属于任何乡镇', unknown_name: '名称不属于任何乡镇',
    ambiguous_name: '名称对应多个乡镇', duplicate: '该乡镇已由前面的要素给出',
  },
  errors: {
    not_json: '不是有效的 JSON 文件', not_geojson: '不是 GeoJSON 的 Feature 或 FeatureCollection', no_features: '文件中没有要素',
    geo_not_geojson: '不是 GeoJSON 的 Feature 或 FeatureCollection', geo_no_features: '文件中没有要素',
    geo_bad_feature: '有的要素不是 GeoJSON Feature', geo_bad_geometry: '几何类型须为 Polygon 或 MultiPolygon，且每个环至少 4 个点并首尾闭合',
    geo_bad_position: '坐标须为两个数字 [经度, 纬度]', geo_out_of_range: '坐标超出范围（经度 −180…180，纬度 −90…90）',
    geo_swapped_axes: '经纬度顺序颠倒：GeoJSON 须为 [经度, 纬度]，请在导出时交换坐标轴后重新上传',
    geo_unknown_property: '所选属性在文件中不存在', geo_no_properties: '找不到编码或名称属性，请手动选择',
    geo_no_match: '没有任何要素与系统中的乡镇对应，请检查所选的编码、名称属性',
    payload_too_large: '文件太大（上限 80 MB）', other: '上传失败：{message}',
  },
  errorAt: '位置',
  versions: '历史版本', version: '版本', at: '时间', by: '上传人', fileName: '文件', current: '当前', restore: '恢复', restored: '已恢复版本 {v}。',
  noVersions: '还没有上传过边界。',
}

const en: typeof zh = {
  file: 'GeoJSON file',
  hint: 'Upload the county’s township boundaries (a GeoJSON Feature or FeatureCollection of Polygons or MultiPolygons). Features are matched to the configured townships by code or name; large files are simplified.',
  read: 'The file has {n} features with properties: {props}',
  codeProperty: 'Code property', nameProperty: 'Name property', none: '(none)',
  fit: 'Map extent', fitMain: 'Leave far-off parts (islands, exclaves) out', fitAll: 'Everything',
  upload: 'Upload', uploading: 'Uploading…', done: 'Boundaries updated (version {v}); the walls redraw by themselves.',
  matched: '{n} townships matched', unmatched: '{n} features not matched', missing: '{n} townships without a boundary',
  byCode: 'by code', byName: 'by name', feature: 'Feature', township: 'Township', code: 'Code', name: 'Name', reason: 'Reason',
  simplified: 'Simplified: {before} → {after} vertices', notSimplified: '{n} vertices, no simplification needed',
  outliers: '{n} part(s) far from the rest (islands, exclaves) left out of the map fit: {list}',
  reasons: {
    no_code_or_name: 'no code or name', unknown_code: 'the code is no township’s', unknown_name: 'the name is no township’s',
    ambiguous_name: 'the name fits several townships', duplicate: 'an earlier feature already gave this township',
  },
  errors: {
    not_json: 'not a valid JSON file', not_geojson: 'not a GeoJSON Feature or FeatureCollection', no_features: 'the file has no features',
    geo_not_geojson: 'not a GeoJSON Feature or FeatureCollection', geo_no_features: 'the file has no features',
    geo_bad_feature: 'some features are not GeoJSON Features', geo_bad_geometry: 'geometries must be Polygons or MultiPolygons with closed rings of at least 4 positions',
    geo_bad_position: 'positions must be two numbers [longitude, latitude]', geo_out_of_range: 'positions out of range (longitude −180…180, latitude −90…90)',
    geo_swapped_axes: 'longitude and latitude are swapped: GeoJSON needs [longitude, latitude]; swap the axes on export and upload again',
    geo_unknown_property: 'the chosen property is not in the file', geo_no_properties: 'no code or name property found; choose one',
    geo_no_match: 'no feature matches a configured township; check the chosen code and name properties',
    payload_too_large: 'the file is too large (at most 80 MB)', other: 'Upload failed: {message}',
  },
  errorAt: 'Where',
  versions: 'Versions', version: 'Version', at: 'When', by: 'By', fileName: 'File', current: 'current', restore: 'Restore', restored: 'Version {v} restored.',
  noVersions: 'No boundaries uploaded yet.',
}

export default { zh, en }
