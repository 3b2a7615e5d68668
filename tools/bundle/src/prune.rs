//! Drops the function types a split module does not use. The splitter gives every chunk the
//! whole type section of the module it was cut from (79 types, 666 bytes here) while a chunk
//! uses a few; /login fetches some 170 chunks, each compressed on its own, so those copies
//! weigh more than any one screen's code. Type indices are local to a module (imports and
//! exports match by name, `call_indirect` checks signatures by structure), so renumbering the
//! types a chunk keeps changes nothing it does.
//!
//! Two passes of `wasm_encoder::reencode`, through which every type reference of a module goes
//! (function and import signatures, `call_indirect`, block types, tags): the first records the
//! types referenced outside the type section, the second writes only those, renumbered in
//! their order. A module with explicit recursion groups (GC types) is left as it is.

use std::collections::BTreeMap;
use std::convert::Infallible;

use wasm_encoder::reencode::{Error, Reencode};

type Failure = Box<dyn std::error::Error>;

/// Records every type index referenced outside the type section.
#[derive(Default)]
struct Uses {
    types: BTreeMap<u32, u32>,
    rec_groups: bool,
}

impl Reencode for Uses {
    type Error = Infallible;

    fn type_index(&mut self, ty: u32) -> Result<u32, Error<Infallible>> {
        self.types.insert(ty, 0);
        Ok(ty)
    }

    fn parse_type_section(
        &mut self,
        _types: &mut wasm_encoder::TypeSection,
        section: wasmparser::TypeSectionReader<'_>,
    ) -> Result<(), Error<Infallible>> {
        for group in section {
            self.rec_groups |= group?.is_explicit_rec_group();
        }
        Ok(())
    }
}

/// Writes the recorded types only, and every reference to them renumbered.
struct Renumber {
    /// Old index → new index.
    types: BTreeMap<u32, u32>,
}

#[derive(Debug)]
struct Unrecorded(u32);

impl std::fmt::Display for Unrecorded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "type {} was not recorded as used", self.0)
    }
}

impl Reencode for Renumber {
    type Error = Unrecorded;

    fn type_index(&mut self, ty: u32) -> Result<u32, Error<Unrecorded>> {
        self.types
            .get(&ty)
            .copied()
            .ok_or(Error::UserError(Unrecorded(ty)))
    }

    fn parse_type_section(
        &mut self,
        types: &mut wasm_encoder::TypeSection,
        section: wasmparser::TypeSectionReader<'_>,
    ) -> Result<(), Error<Unrecorded>> {
        for (index, group) in (0u32..).zip(section) {
            let group = group?;
            if self.types.contains_key(&index) {
                self.parse_recursive_type_group(types.ty(), group)?;
            }
        }
        Ok(())
    }
}

/// `wasm` without the types it does not use (unchanged when it has explicit recursion groups).
pub fn prune_types(wasm: &[u8]) -> Result<Vec<u8>, Failure> {
    let mut uses = Uses::default();
    let mut scratch = wasm_encoder::Module::new();
    uses.parse_core_module(&mut scratch, wasmparser::Parser::new(0), wasm)
        .map_err(|e| format!("reading the types a chunk uses: {e}"))?;
    if uses.rec_groups {
        return Ok(wasm.to_vec());
    }
    let mut renumber = Renumber {
        types: uses
            .types
            .keys()
            .zip(0u32..)
            .map(|(&old, new)| (old, new))
            .collect(),
    };
    let mut module = wasm_encoder::Module::new();
    renumber
        .parse_core_module(&mut module, wasmparser::Parser::new(0), wasm)
        .map_err(|e| format!("renumbering a chunk's types: {e}"))?;
    let pruned = module.finish();
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(&pruned)
        .map_err(|e| format!("a pruned chunk does not validate: {e}"))?;
    Ok(pruned)
}

#[cfg(test)]
#[expect(clippy::expect_used, reason = "a failing test should stop loudly")]
mod tests {
    use super::prune_types;

    /// A module with three types, of which its one function and one `call_indirect` use two.
    fn module() -> Vec<u8> {
        use wasm_encoder::{
            CodeSection, Function, FunctionSection, ImportSection, Instruction, Module, TableType,
            TypeSection, ValType,
        };
        let mut types = TypeSection::new();
        types.ty().function([], []); // 0: unused
        types.ty().function([ValType::I32], [ValType::I32]); // 1: the function's
        types.ty().function([ValType::I64], []); // 2: called indirectly
        let mut imports = ImportSection::new();
        imports.import(
            "env",
            "table",
            TableType {
                element_type: wasm_encoder::RefType::FUNCREF,
                table64: false,
                minimum: 1,
                maximum: None,
                shared: false,
            },
        );
        let mut functions = FunctionSection::new();
        functions.function(1);
        let mut code = CodeSection::new();
        let mut body = Function::new([]);
        body.instruction(&Instruction::I64Const(7))
            .instruction(&Instruction::I32Const(0))
            .instruction(&Instruction::CallIndirect {
                type_index: 2,
                table_index: 0,
            })
            .instruction(&Instruction::LocalGet(0))
            .instruction(&Instruction::End);
        code.function(&body);
        let mut module = Module::new();
        module
            .section(&types)
            .section(&imports)
            .section(&functions)
            .section(&code);
        module.finish()
    }

    #[test]
    fn unused_types_go_and_references_follow_the_renumbering() {
        let input = module();
        let pruned = prune_types(&input).expect("pruned");
        assert!(pruned.len() < input.len());
        let mut signatures = Vec::new();
        let mut indirect = None;
        let mut declared = Vec::new();
        for payload in wasmparser::Parser::new(0).parse_all(&pruned) {
            match payload.expect("payload") {
                wasmparser::Payload::TypeSection(reader) => {
                    for ty in reader.into_iter_err_on_gc_types() {
                        let ty = ty.expect("type");
                        signatures.push((ty.params().to_vec(), ty.results().to_vec()));
                    }
                }
                wasmparser::Payload::FunctionSection(reader) => {
                    declared = reader.into_iter().map(|t| t.expect("index")).collect();
                }
                wasmparser::Payload::CodeSectionEntry(body) => {
                    for op in body.get_operators_reader().expect("ops") {
                        if let wasmparser::Operator::CallIndirect { type_index, .. } =
                            op.expect("op")
                        {
                            indirect = Some(type_index);
                        }
                    }
                }
                _ => {}
            }
        }
        use wasmparser::ValType::{I32, I64};
        assert_eq!(
            signatures,
            vec![(vec![I32], vec![I32]), (vec![I64], vec![])]
        );
        assert_eq!(declared, vec![0]);
        assert_eq!(indirect, Some(1));
    }
}
