package text

import "github.com/tensile-ml/tensile/internal/atomicfile"

// writeFileAtomic writes data so that readers see the old file or the new
// one, never a partial one.
func writeFileAtomic(path string, data []byte) error { return atomicfile.WriteFile(path, data) }
