-- Argo CD health of a ververica.platform/VvpDeployment, from the status contract the operator writes
-- (conditions Synced, Ready, Reconciling and Stalled with kstatus meanings, and the top-level observedGeneration).
-- Lua 5.1, as Argo CD runs it.
local hs = {}

if obj.metadata ~= nil and obj.metadata.deletionTimestamp ~= nil then
  hs.status = "Progressing"
  hs.message = "The VvpDeployment is being deleted"
  return hs
end

if obj.status == nil or obj.status.conditions == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report a status"
  return hs
end

local generation = nil
if obj.metadata ~= nil then
  generation = obj.metadata.generation
end
local observed = obj.status.observedGeneration
if generation ~= nil and (observed == nil or observed < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
  return hs
end

local conditions = {}
for _, condition in ipairs(obj.status.conditions) do
  if condition.type ~= nil then
    conditions[condition.type] = condition
  end
end

local function isTrue(name)
  return conditions[name] ~= nil and conditions[name].status == "True"
end

local function messageOf(name, fallback)
  if conditions[name] ~= nil and conditions[name].message ~= nil and conditions[name].message ~= "" then
    return conditions[name].message
  end
  return fallback
end

local crStatus = obj.status.customResourceStatus or {}
local state = crStatus.statusState

if crStatus.customResourceState == "IDLING" then
  hs.status = "Suspended"
  hs.message = "CR syncing is off for the deployment; the platform shows " .. tostring(state)
  return hs
end

if isTrue("Stalled") then
  hs.status = "Degraded"
  hs.message = messageOf("Stalled", "The reconcile cannot proceed")
  return hs
end

if state == "FAILED" then
  hs.status = "Degraded"
  hs.message = "The deployment FAILED on the platform"
  return hs
end

if isTrue("Reconciling") then
  hs.status = "Progressing"
  hs.message = messageOf("Reconciling", "The reconcile is under way")
  return hs
end

if state == "FINISHED" then
  hs.status = "Healthy"
  hs.message = "The job FINISHED"
  return hs
end

if isTrue("Ready") then
  if state == "SUSPENDED" then
    hs.status = "Suspended"
    hs.message = "The deployment is SUSPENDED, as desired"
    return hs
  end
  hs.status = "Healthy"
  hs.message = messageOf("Ready", "The deployment is in its desired state")
  return hs
end

hs.status = "Progressing"
hs.message = messageOf("Ready", "Waiting for the deployment to reach its desired state")
return hs
