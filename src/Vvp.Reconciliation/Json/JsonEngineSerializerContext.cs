using System.Text.Json.Serialization;

namespace Vvp.Reconciliation.Json;

[JsonSerializable(typeof(string))]
internal sealed partial class JsonEngineSerializerContext : JsonSerializerContext;
