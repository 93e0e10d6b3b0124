using System.IO.Compression;
using System.Reflection.Metadata;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Packaging;

/// <summary>
/// The packages as a consumer's NuGet reads them, from the .nupkg and .snupkg packed from this build: where the
/// project and its sources live, an icon, a README whose links work on the package's page, release notes and tags of
/// their own, SourceLink in the symbols, and the public API of the last release kept in PublicAPI.Shipped.txt.
/// </summary>
public sealed partial class PackageMetadataTests
{
    private const string Repository = "https://github.com/vvp-reconciliation/vvp-reconciliation";

    public static TheoryData<string> Packages() => [.. PackedPackages.Libraries.Append(PackedPackages.Tool)];

    [Theory]
    [MemberData(nameof(Packages))]
    public async Task Each_package_names_its_project_repository_commit_icon_readme_and_licence(string id)
    {
        using var package = await OpenAsync(id, "nupkg");
        var metadata = Metadata(package);

        Value(metadata, "projectUrl").Should().Be(Repository);
        var repository = metadata.Element(metadata.Name.Namespace + "repository")!;
        repository.Attribute("type")!.Value.Should().Be("git");
        repository.Attribute("url")!.Value.Should().Be(Repository + ".git");
        repository.Attribute("commit")!.Value.Should().MatchRegex("^[0-9a-f]{40}$", "the commit the package was built from");
        Value(metadata, "license").Should().Be("Apache-2.0");
        Value(metadata, "description").Should().NotBeNullOrWhiteSpace();

        var icon = package.GetEntry(Value(metadata, "icon")!)!;
        using (var stream = icon.Open())
        {
            var header = new byte[24];
            await stream.ReadExactlyAsync(header);
            header[..8].Should().Equal(0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A);
            (System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(16)), System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(20)))
                .Should().Be((128, 128), "NuGet asks for a 128 × 128 icon");
        }

        using var readme = new StreamReader(package.GetEntry(Value(metadata, "readme")!)!.Open());
        var text = await readme.ReadToEndAsync();
        var links = MarkdownLink().Matches(text).Select(m => m.Groups["target"].Value).ToList();
        links.Should().Contain(l => l.StartsWith(Repository + "/blob/main/docs/", StringComparison.Ordinal), "the positive control: links into docs/ are there, made absolute");
        links.Should().OnlyContain(l => l.StartsWith("https://", StringComparison.Ordinal) || l.StartsWith('#'), "a relative link leads nowhere on the package's page");
    }

    [Fact]
    public async Task Release_notes_and_tags_are_each_packages_own()
    {
        var notes = new Dictionary<string, string>();
        var tags = new Dictionary<string, string[]>();
        foreach (var id in PackedPackages.Libraries.Append(PackedPackages.Tool))
        {
            using var package = await OpenAsync(id, "nupkg");
            var metadata = Metadata(package);
            notes[id] = Value(metadata, "releaseNotes")!;
            tags[id] = Value(metadata, "tags")!.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        }

        notes.Values.Should().OnlyHaveUniqueItems().And.OnlyContain(n => n.Length > 40);
        tags.Values.Select(t => string.Join(" ", t)).Should().OnlyHaveUniqueItems();
        tags["Vvp.Reconciliation"].Should().Contain("json-patch", "the positive control: the JSON engine's package says so");
        tags["Vvp.Reconciliation.Kubernetes.Testing"].Should().NotContain("json-patch").And.Contain("testing");
        tags[PackedPackages.Tool].Should().Contain("dotnet-tool");
    }

    [Theory]
    [MemberData(nameof(Libraries))]
    public async Task The_symbols_map_every_source_to_the_repository_at_its_commit(string id)
    {
        using var package = await OpenAsync(id, "nupkg");
        var commit = Metadata(package).Element(Metadata(package).Name.Namespace + "repository")!.Attribute("commit")!.Value;
        using var symbols = await OpenAsync(id, "snupkg");
        var pdbs = symbols.Entries.Where(e => e.FullName.EndsWith(".pdb", StringComparison.Ordinal)).ToList();

        pdbs.Should().HaveCount(2, "one per target framework (net8.0, net10.0)");
        foreach (var entry in pdbs)
        {
            using var stream = new MemoryStream();
            await using (var pdb = entry.Open())
            {
                await pdb.CopyToAsync(stream);
            }

            stream.Position = 0;
            using var provider = MetadataReaderProvider.FromPortablePdbStream(stream);
            var reader = provider.GetMetadataReader();
            var sourceLink = reader.CustomDebugInformation
                .Select(reader.GetCustomDebugInformation)
                .Where(c => reader.GetGuid(c.Kind) == SourceLinkKind)
                .Select(c => System.Text.Encoding.UTF8.GetString(reader.GetBlobBytes(c.Value)))
                .Single();
            sourceLink.Should().Contain($"https://raw.githubusercontent.com/vvp-reconciliation/vvp-reconciliation/{commit}/*", entry.FullName);
        }
    }

    [Theory]
    [MemberData(nameof(Libraries))]
    public void The_last_releases_API_is_shipped_and_every_removal_from_it_is_recorded(string id)
    {
        var folder = Path.Combine(SharedFolder.RepositoryRoot(), "src", id);
        var shipped = ApiLines(Path.Combine(folder, "PublicAPI.Shipped.txt"));
        var unshipped = ApiLines(Path.Combine(folder, "PublicAPI.Unshipped.txt"));

        shipped.Should().NotBeEmpty("0.1.0 is released: its API is shipped");
        unshipped.Where(l => l.StartsWith("*REMOVED*", StringComparison.Ordinal)).Select(l => l["*REMOVED*".Length..])
            .Where(l => !shipped.Contains(l)).Should().BeEmpty("a removal names an API of the last release");
        unshipped.Where(l => !l.StartsWith("*REMOVED*", StringComparison.Ordinal)).Should().NotIntersectWith(shipped);
        File.ReadAllText(Path.Combine(SharedFolder.RepositoryRoot(), "Directory.Build.targets")).Should().Contain("<EnablePackageValidation>true</EnablePackageValidation>");
    }

    public static TheoryData<string> Libraries() => [.. PackedPackages.Libraries];

    // The GUID of Portable PDB's SourceLink custom debug information.
    private static readonly Guid SourceLinkKind = new("CC110556-A091-4D38-9FEC-25AB9A351A6A");

    private static HashSet<string> ApiLines(string file) =>
        [.. File.ReadAllLines(file).Where(l => l.Length > 0 && !l.StartsWith('#'))];

    private static async Task<ZipArchive> OpenAsync(string id, string extension)
    {
        var (feed, version) = await PackedPackages.FeedAsync();
        return ZipFile.OpenRead(Path.Combine(feed, $"{id}.{version}.{extension}"));
    }

    private static XElement Metadata(ZipArchive package)
    {
        using var stream = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        var document = XDocument.Load(stream);
        return document.Root!.Element(document.Root.Name.Namespace + "metadata")!;
    }

    private static string? Value(XElement metadata, string name) => metadata.Element(metadata.Name.Namespace + name)?.Value;

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)\)")]
    private static partial Regex MarkdownLink();
}
