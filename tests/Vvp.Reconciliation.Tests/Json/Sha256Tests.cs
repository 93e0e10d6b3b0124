using System.Text;
using CsCheck;
using Vvp.Reconciliation.Json;

namespace Vvp.Reconciliation.Tests.Json;

/// <summary>The managed SHA-256 the canonical hashes use: the standard's examples, and the runtime's hash of any input.</summary>
public sealed class Sha256Tests
{
    [Theory]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")]
    [InlineData("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu", "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")]
    public void The_standard_s_examples_hash_to_the_published_digests(string message, string digest) =>
        Hex(Encoding.ASCII.GetBytes(message)).Should().Be(digest);

    [Fact]
    public void A_million_a_hashes_to_the_published_digest() =>
        Hex(Enumerable.Repeat((byte)'a', 1_000_000).ToArray()).Should().Be("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

    [Fact]
    public void Every_length_around_the_block_and_padding_boundaries_hashes_as_the_runtime_does()
    {
        var random = new Random(7);
        foreach (var length in Enumerable.Range(0, 200).Concat([447, 448, 511, 512, 513, 4_095, 4_096, 65_537]))
        {
            var data = new byte[length];
            random.NextBytes(data);
            Hex(data).Should().Be(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data)), $"{length} bytes");
        }
    }

    [Fact]
    public void Any_input_hashes_as_the_runtime_does() =>
        Gen.Byte.Array[0, 3_000].Sample(data => Hex(data) == Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data)), iter: 2_000);

    [Fact]
    public void A_destination_shorter_than_a_hash_is_refused_naming_it()
    {
        var act = () => Sha256.HashData([1, 2, 3], new byte[31]);
        act.Should().Throw<ArgumentException>().WithParameterName("destination");
    }

    private static string Hex(byte[] data)
    {
        var hash = new byte[Sha256.HashSizeInBytes];
        Sha256.HashData(data, hash);
        return Convert.ToHexStringLower(hash);
    }
}
