import Parser = require('web-tree-sitter');

/** A syntax problem tree-sitter-bicep found: an ERROR or MISSING node, with its 1-based line and column. */
export interface BicepSyntaxProblem {
  kind: 'ERROR' | 'MISSING';
  line: number;
  column: number;
  text: string;
}

let parser: Promise<Parser> | undefined;

/** One parser per process over the grammar's WebAssembly build (no Bicep compiler can be installed offline). */
function bicepParser(): Promise<Parser> {
  parser ??= (async () => {
    await Parser.init();
    const language = await Parser.Language.load(require.resolve('tree-sitter-bicep/tree-sitter-bicep.wasm'));
    const p = new Parser();
    p.setLanguage(language);
    return p;
  })();
  return parser;
}

export async function bicepSyntaxProblems(source: string): Promise<BicepSyntaxProblem[]> {
  const tree = (await bicepParser()).parse(source);
  const problems: BicepSyntaxProblem[] = [];
  const visit = (node: Parser.SyntaxNode): void => {
    if (node.isError || node.isMissing) {
      problems.push({ kind: node.isMissing ? 'MISSING' : 'ERROR', line: node.startPosition.row + 1, column: node.startPosition.column + 1, text: node.text.slice(0, 80) });
    }
    if (node.hasError || node.isMissing) for (const child of node.children) visit(child);
  };
  visit(tree.rootNode);
  tree.delete();
  return problems;
}
