window.harnessReady = true; document.getElementById("status").textContent = "ready";
