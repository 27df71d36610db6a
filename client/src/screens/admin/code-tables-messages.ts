// The 代码表 tab's messages (README "Code tables"), zh-CN first.
export default {
  zh: {
    hint: '事件与台账里的类别、状态、严重程度、信访形式和纠纷标记。常用说法（同义词）导入时自动换成代码；停用的代码不再用于新事件，已有事件保留。',
    kinds: { category: '事件类别', status: '办理状态', severity: '严重程度', petition_form: '信访形式', dispute_flag: '纠纷标记' },
    sources: { dispute: '矛盾纠纷', petition: '信访', incident: '警情' },
    fixed: '此类代码固定，只能修改名称和同义词。',
    kind: '代码类型', source: '来源', code: '代码', labelZh: '中文名称', labelEn: '英文名称', synonyms: '同义词（用 、 或换行分隔）', state: '状态',
    active: '使用中', retired: '已停用', retire: '停用', restore: '恢复', add: '新增代码', added: '已新增 {code}。', saved: '已保存 {code}。',
    errors: {
      required: '必填', codeFormat: '须为小写字母、数字和 _，以字母开头（如 forest_rights）', tooLong: '太长', repeated: '同一同义词填写了两次',
      clash: '“{word}”已对应代码 {code}：一个说法只能对应一个代码', listedTwice: '“{word}”填写了两次', exists: '代码已存在（代码不能重复使用，可编辑或恢复原代码）',
      atMost: '最多 {n} 个字', fixed: '状态与严重程度的代码固定，请改为添加同义词',
      conflict: '与现有代码或同义词冲突，请按字段提示修改。', refused: '服务器拒绝了提交，请按字段提示修改。', forbidden: '没有权限执行此操作。', failed: '保存失败：{message}',
    },
  },
  en: {
    hint: 'Categories, statuses, severities, petition forms and dispute flags of events and ledgers. Synonyms are turned into codes on import; a retired code is refused for new events and kept on stored ones.',
    kinds: { category: 'Categories', status: 'Statuses', severity: 'Severities', petition_form: 'Petition forms', dispute_flag: 'Dispute flags' },
    sources: { dispute: 'Disputes', petition: 'Petitions', incident: 'Incidents' },
    fixed: 'These codes are fixed: edit their labels and synonyms.',
    kind: 'Kind', source: 'Source', code: 'Code', labelZh: 'Chinese label', labelEn: 'English label', synonyms: 'Synonyms (separated by 、 or new lines)', state: 'State',
    active: 'In use', retired: 'Retired', retire: 'Retire', restore: 'Restore', add: 'Add code', added: 'Added {code}.', saved: 'Saved {code}.',
    errors: {
      required: 'required', codeFormat: 'lower-case letters, digits and _, starting with a letter (e.g. forest_rights)', tooLong: 'too long', repeated: 'a synonym is listed twice',
      clash: '“{word}” already stands for {code}: a word stands for one code only', listedTwice: '“{word}” is listed twice', exists: 'the code exists (codes are never reused: edit or restore it)',
      atMost: 'at most {n} characters', fixed: 'status and severity codes are fixed: add a synonym instead',
      conflict: 'Clashes with an existing code or synonym; see the fields.', refused: 'The server refused this; see the fields.', forbidden: 'You may not do this.', failed: 'Saving failed: {message}',
    },
  },
}
