// TypeDoc plugin for the API reference (typedoc.json): leaves out the error classes' static
// `[Symbol.hasInstance]` overrides. They only make `instanceof` go by `code` (across copies of the
// package), which each class's own comment says; nobody calls them. (An `@internal` tag on each would
// do the same; this keeps fourteen identical comments out of lib/.)
import { Converter, ReflectionKind } from 'typedoc';

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const project = context.project;
    for (const cls of project.getReflectionsByKind(ReflectionKind.Class)) {
      for (const child of [...(cls.children ?? [])]) {
        if (child.kindOf(ReflectionKind.Method) && child.flags.isStatic && child.name === '[hasInstance]') project.removeReflection(child);
      }
    }
  });
}
