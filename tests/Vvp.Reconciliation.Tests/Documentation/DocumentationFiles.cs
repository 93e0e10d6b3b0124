using System.Text.RegularExpressions;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Documentation;

/// <summary>The documents whose blocks the documentation tests run: README.md, then docs/*.md in order.</summary>
internal static class DocumentationFiles
{
    public static string Root { get; } = SharedFolder.RepositoryRoot();

    public static IEnumerable<string> Documents() =>
        new[] { "README.md" }.Concat(Directory.GetFiles(Path.Combine(Root, "docs"), "*.md").Select(f => Path.GetRelativePath(Root, f)).Order(StringComparer.Ordinal));

    /// <summary>One theory row per match of <paramref name="block"/> in every document: the file and the block's index.</summary>
    public static TheoryData<string, int> Blocks(Regex block)
    {
        var data = new TheoryData<string, int>();
        foreach (var file in Documents())
        {
            var count = block.Count(File.ReadAllText(Path.Combine(Root, file)));
            for (var i = 0; i < count; i++)
            {
                data.Add(file, i);
            }
        }

        return data;
    }
}
