{
  "targets": [{
    "target_name": "hostile",
    "sources": ["addon.c"],
    "actions": [{
      "action_name": "probe",
      "inputs": ["probe.py", "probe.json"],
      "outputs": ["<(INTERMEDIATE_DIR)/probe.txt"],
      "action": ["sh", "-c", "python3 probe.py probe.json build | tee <@(_outputs)"]
    }]
  }]
}
